import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { IsInt, IsString, Max, Min } from 'class-validator';

import {
  ConfigError,
  configVariableNames,
  loadConfig,
  MAX_SECRET_FILE_BYTES,
  printableConfig,
  secretFileVariableNames,
} from './load-config.js';
import { Secret } from './secret.decorator.js';

class ExampleConfig {
  @IsInt() @Min(1) @Max(65535) EXAMPLE_PORT: number = 8080;
  @IsString() EXAMPLE_URL!: string;
  @Secret() @IsString() EXAMPLE_TOKEN: string = 'dev';
}

describe('loadConfig', () => {
  it('reads variables with defaults and converts numbers', () => {
    const sut = loadConfig(ExampleConfig, { EXAMPLE_URL: 'postgres://x', EXAMPLE_PORT: '9000' });
    expect(sut).toMatchObject({ EXAMPLE_PORT: 9000, EXAMPLE_URL: 'postgres://x', EXAMPLE_TOKEN: 'dev' });
  });

  it('names a missing variable in a sentence', () => {
    expect(() => loadConfig(ExampleConfig, {})).toThrow(/EXAMPLE_URL is required or malformed \(it is not set\)/);
  });

  it('names a malformed variable', () => {
    const load = () => loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_PORT: 'abc' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/EXAMPLE_PORT/);
  });

  it('lists the variables a schema reads', () => {
    expect(configVariableNames(ExampleConfig)).toEqual(['EXAMPLE_PORT', 'EXAMPLE_URL', 'EXAMPLE_TOKEN']);
  });

  it('never prints a secret', () => {
    const config = loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN: 'hunter2' });
    expect(JSON.stringify(printableConfig(ExampleConfig, config))).not.toContain('hunter2');
  });
});

describe('loadConfig with <NAME>_FILE', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sb-config-'));
  const file = (name: string, content: string) => {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  };

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('reads a secret from the file, less one trailing newline', () => {
    for (const [content, expected] of [
      ['from-a-file\n', 'from-a-file'],
      ['crlf\r\n', 'crlf'],
      ['two\n\n', 'two\n'],
      ['none', 'none'],
    ] as const) {
      const config = loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: file('token', content) });
      expect(config.EXAMPLE_TOKEN).toBe(expected);
    }
  });

  it('refuses both NAME and NAME_FILE, naming both', () => {
    const load = () =>
      loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN: 'a', EXAMPLE_TOKEN_FILE: file('both', 'b') });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('EXAMPLE_TOKEN and EXAMPLE_TOKEN_FILE are both set: set one of them.');
  });

  it('fails at boot naming a file that cannot be read', () => {
    const missing = join(directory, 'missing');
    expect(() => loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: missing })).toThrow(
      `EXAMPLE_TOKEN_FILE names ${missing}, which cannot be read (ENOENT).`,
    );
    expect(() => loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: directory })).toThrow(/EISDIR/);
  });

  it('reads a file of MAX_SECRET_FILE_BYTES, and names a larger or endless one instead of filling memory', () => {
    const full = 'é'.repeat(MAX_SECRET_FILE_BYTES / 2);
    const config = loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: file('full', full) });
    expect(config.EXAMPLE_TOKEN).toBe(full);
    const large = file('large', `${full}x`);
    expect(() => loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: large })).toThrow(
      `EXAMPLE_TOKEN_FILE names ${large}, which holds more than ${MAX_SECRET_FILE_BYTES} bytes.`,
    );
    expect(() => loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: '/dev/zero' })).toThrow(
      /EXAMPLE_TOKEN_FILE names \/dev\/zero, which holds more than/,
    );
  });

  it('reads only secrets from files: other variables have no _FILE variant', () => {
    expect(secretFileVariableNames(ExampleConfig)).toEqual(['EXAMPLE_TOKEN_FILE']);
    const config = loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_URL_FILE: file('url', 'y') });
    expect(config.EXAMPLE_URL).toBe('x');
  });

  it('never prints a secret read from a file', () => {
    const config = loadConfig(ExampleConfig, { EXAMPLE_URL: 'x', EXAMPLE_TOKEN_FILE: file('secret', 'hunter2\n') });
    expect(JSON.stringify(printableConfig(ExampleConfig, config))).not.toContain('hunter2');
  });
});
