import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { configDirectory, ConfigStore } from './config-store.js';
import { ExitCode } from './exit-codes.js';

describe('configDirectory', () => {
  it('uses XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
    expect(configDirectory({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/u' })).toBe('/x/conf/switchboard');
    expect(configDirectory({ XDG_CONFIG_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.config/switchboard');
    expect(configDirectory({ HOME: '/home/u' })).toBe('/home/u/.config/switchboard');
  });
});

describe('ConfigStore', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sb-cli-config-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const mode = (path: string) => statSync(path).mode & 0o777;

  it('writes the login with mode 0600 in a directory with mode 0700, and reads it back', () => {
    const sut = new ConfigStore(join(root, 'switchboard'));
    sut.write({ hubUrl: 'http://hub.test', token: 'sbp_secret' });
    expect(mode(sut.directory)).toBe(0o700);
    expect(mode(sut.path)).toBe(0o600);
    expect(JSON.parse(readFileSync(sut.path, 'utf8'))).toEqual({ hubUrl: 'http://hub.test', token: 'sbp_secret' });
    expect(sut.read()).toEqual({ hubUrl: 'http://hub.test', token: 'sbp_secret' });
  });

  it('tightens a directory and a file that existed with looser modes', () => {
    const directory = join(root, 'switchboard');
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o755);
    writeFileSync(join(directory, 'config.json'), '{}', { mode: 0o644 });
    const sut = new ConfigStore(directory);
    sut.write({ hubUrl: 'http://hub.test', token: 't' });
    expect(mode(directory)).toBe(0o700);
    expect(mode(sut.path)).toBe(0o600);
  });

  it('reads nothing when there is no file, and removes the file on logout', () => {
    const sut = new ConfigStore(join(root, 'switchboard'));
    expect(sut.read()).toBeUndefined();
    expect(sut.remove()).toBe(false);
    sut.write({ hubUrl: 'http://hub.test', token: 't' });
    expect(sut.remove()).toBe(true);
    expect(sut.read()).toBeUndefined();
  });

  it('refuses a file that is not a login with a usage error naming it', () => {
    const sut = new ConfigStore(root);
    writeFileSync(sut.path, '{"hubUrl": 1}');
    expect(() => sut.read()).toThrow(expect.objectContaining({ exitCode: ExitCode.Usage }));
    expect(() => sut.read()).toThrow(sut.path);
  });
});
