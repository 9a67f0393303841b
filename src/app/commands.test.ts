import { mayRunCommands, parseCommand } from './commands.js';

describe('comment commands', () => {
  test('a known command with and without an argument', () => {
    expect(parseCommand('/repro rescan')).toEqual({ name: 'rescan', argument: null });
    expect(parseCommand('Thanks!\n\n/repro ignore ghcr.io/acme/legacy  \n')).toEqual({ name: 'ignore', argument: 'ghcr.io/acme/legacy' });
  });

  test('quoted commands and prose mentions are not commands', () => {
    expect(parseCommand('> /repro rescan\nno')).toBeNull();
    expect(parseCommand('use the /repro rescan command')).toBeNull();
    expect(parseCommand('/reproduce this')).toBeNull();
  });

  test('unknown commands and an ignore without a dependency are reported as unknown', () => {
    expect(parseCommand('/repro deploy')).toEqual({ name: 'unknown', text: '/repro deploy' });
    expect(parseCommand('/repro ignore')).toEqual({ name: 'unknown', text: '/repro ignore' });
    expect(parseCommand('/repro')).toEqual({ name: 'unknown', text: '/repro' });
  });

  test('write, maintain and admin may run commands; read and triage may not', () => {
    expect(mayRunCommands('write', 'write')).toBe(true);
    expect(mayRunCommands('write', 'maintain')).toBe(true);
    expect(mayRunCommands('admin', 'admin')).toBe(true);
    expect(mayRunCommands('read', 'triage')).toBe(false);
    expect(mayRunCommands('read', 'read')).toBe(false);
    expect(mayRunCommands('none', undefined)).toBe(false);
  });
});
