import { startApp } from './github-fake.js';

/** The operator's REPRO_PINS_ALLOW_HOSTS is read once, when the App loads. */
it('refuses to start with an invalid allow-list entry, naming it', async () => {
  await expect(startApp({ REPRO_PINS_ALLOW_HOSTS: '127.0.0.1,10.0.0.0/99' })).rejects.toThrow('REPRO_PINS_ALLOW_HOSTS: "10.0.0.0/99" is not a valid CIDR');
});

it('starts with a valid allow-list', async () => {
  const app = await startApp({ REPRO_PINS_ALLOW_HOSTS: '127.0.0.1,registry.internal,10.1.0.0/16' });
  expect(app.runtime).toBeDefined();
  await app.runtime.stop();
});
