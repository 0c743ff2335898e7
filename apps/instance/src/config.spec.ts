import { ConfigError, loadConfig } from '@switchboard/config';

import { InstanceConfig } from './config.js';

const BASE = {
  DATABASE_URL: 'postgres://app:a-password-of-our-own@db:5432/instance',
  ENCRYPTION_KEYS: `v1:${Buffer.alloc(32, 7).toString('base64')}`,
  INSTANCE_ID: 'eu-1',
  INSTANCE_API_URL: 'http://instance.internal:8081',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(InstanceConfig, { ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('InstanceConfig: event outbox backoff bounds', () => {
  it('accepts a minimum up to the maximum', () => {
    expect(problemsOf({ EVENTS_MIN_BACKOFF_MS: '200', EVENTS_MAX_BACKOFF_MS: '200' })).toEqual([]);
    expect(problemsOf({})).toEqual([]);
  });

  it('refuses a minimum above the maximum, naming both variables', () => {
    expect(problemsOf({ EVENTS_MIN_BACKOFF_MS: '5000', EVENTS_MAX_BACKOFF_MS: '1000' })).toEqual([
      'EVENTS_MIN_BACKOFF_MS (5000) must not exceed EVENTS_MAX_BACKOFF_MS (1000).',
    ]);
  });
});
