/**
 * Every secret value this repository publishes, anywhere a deployment could
 * copy it from: the development defaults of `npm start`
 * (`scripts/dev-defaults.json`), `.env.example`, `docker-compose.yml` (today
 * and in earlier versions: git history is published too) and the k8s example
 * Secret. A test (`test/deploy/published-secrets.spec.ts`) reads those files
 * and fails when one of their secrets is missing here.
 *
 * A value is compared by its secret material (see `secretMaterial`): the
 * password of a URL, each key of a keyring, or the whole value otherwise.
 * Listed in clear on purpose: they are public already, and a reviewer can see
 * what is refused.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  // scripts/dev-defaults.json and .env.example (npm start)
  'sbp_development_admin_token_do_not_use_in_production',
  'c3dpdGNoYm9hcmQtZGV2ZWxvcG1lbnQta2V5LTMyYnk=',
  'switchboard',
  'hub-development-password',
  'instance-a-development-password',
  'instance-b-development-password',
  'gateway-development-password',
  'JszsuTKtObD1iNBaK5YPAjyWX94UQvtHJhlJ9mNqHaQ=',
  // k8s/base/secrets.example.yaml
  'REPLACE',
  'REPLACE_WITH_BASE64_OF_32_RANDOM_BYTES',
  'REPLACE_WITH_AT_LEAST_32_RANDOM_CHARACTERS',
  'REPLACE_WITH_A_RANDOM_PASSWORD',
  'REPLACE_WITH_BASE64_OF_A_32_BYTE_ED25519_SEED',
  // docker-compose.yml before it took its secrets from the environment
  'c3dpdGNoYm9hcmQtY29tcG9zZS1leGFtcGxlLWtleSE=',
  'sbp_compose_admin_token_change_me_before_use',
  'app-password',
  'owner-password',
  'postgres',
];

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The form a secret is compared in: base64 and base64url spellings of the
 * same bytes (with or without `=` padding) are one key to the code that
 * decodes them (`Buffer.from(value, 'base64')` accepts all of them), so they
 * are compared by those bytes; anything else by its text.
 */
export function comparableForm(material: string): string {
  if (material.length >= 16 && BASE64.test(material)) {
    return `bytes:${Buffer.from(material.replace(/=+$/, ''), 'base64').toString('hex')}`;
  }
  return `text:${material}`;
}

const PUBLISHED_FORMS = new Set(PUBLISHED_SECRETS.map(comparableForm));

const KEYRING_ENTRY = /^[A-Za-z0-9_-]{1,32}:(.+)$/;

/**
 * The parts of a secret variable's value that are the secret: the password of
 * a URL (`postgres://user:PASSWORD@host/db`, percent-decoded), each key of a
 * keyring (`v2:KEY,v1:KEY`), or else the whole value, trimmed. A URL without
 * a password holds no secret material (`[]`).
 */
export function secretMaterial(value: string): string[] {
  const trimmed = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    try {
      const password = new URL(trimmed).password;
      return password ? [decodeURIComponent(password)] : [];
    } catch {
      return [trimmed];
    }
  }
  const entries = trimmed.split(',').map((entry) => entry.trim());
  if (entries.length > 0 && entries.every((entry) => KEYRING_ENTRY.test(entry))) {
    return entries.map((entry) => KEYRING_ENTRY.exec(entry)![1]!.trim());
  }
  return trimmed ? [trimmed] : [];
}

/**
 * One sentence per secret variable whose value holds published material
 * (API.md, "Trust boundaries", Published secrets); empty when there is none.
 * Values are never repeated in the sentence.
 */
export function publishedSecretProblems(secrets: Record<string, string | undefined>): string[] {
  return Object.entries(secrets).flatMap(([name, value]) =>
    value !== undefined && secretMaterial(value).some((material) => PUBLISHED_FORMS.has(comparableForm(material)))
      ? [
          `${name} holds a value published in the Switchboard repository (a development default or an example); ` +
            'set a secret of your own (npm run secrets:generate makes them), ' +
            'or SWITCHBOARD_DEV_DEFAULTS=true on a development machine.',
        ]
      : [],
  );
}
