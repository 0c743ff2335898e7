import { IsInt, IsString, Max, Min } from 'class-validator';

import { ConfigError, configVariableNames, loadConfig, printableConfig } from './load-config.js';
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
