// The Probot entry point (`npm start` runs `probot run` on the compiled copy of this file).
// Do not add logic here: handlers live in handlers/, flows in scan/.
import { createApp } from './app.js';

export default createApp();
