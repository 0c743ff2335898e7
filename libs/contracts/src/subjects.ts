/** Every subject is versioned so that a contract can change without breaking running peers. */
export const SUBJECT_PREFIX = 'switchboard.v1';

/**
 * What fills a subject template: a namespace (so that several deployments or
 * test runs share one NATS cluster without seeing each other's messages) and,
 * for subjects addressed to one instance, its id.
 */
export interface SubjectVariables {
  namespace: string;
  instanceId?: string;
}

/**
 * Fills `{instanceId}` in a subscription: the Hub hears every instance on one
 * wildcard subject (NATS docs, "Wildcards": `*` matches one token) and reads
 * the sender from the subject (`instanceIdOfSubject`).
 */
export const ANY_INSTANCE = '*';

/**
 * Reply inboxes are per service (`<prefix>.<nuid>`, nats.js `inboxPrefix`), so
 * that NATS permissions can let each service subscribe to its own replies only.
 */
export const HUB_INBOX_PREFIX = '_INBOX.hub';

/** The reply inbox prefix of one instance (all its replicas). See `HUB_INBOX_PREFIX`. */
export function instanceInboxPrefix(instanceId: string): string {
  return `_INBOX.instance.${instanceId}`;
}

const PLACEHOLDER = /\{(namespace|instanceId)\}/g;

/**
 * Subjects are written as templates, such as
 * `{namespace}switchboard.v1.instance.{instanceId}.workspaces.apply`, so that
 * handlers can name them in decorators before configuration is read.
 */
export function fillSubject(template: string, variables: SubjectVariables): string {
  return template.replace(PLACEHOLDER, (_, name: 'namespace' | 'instanceId') => {
    if (name === 'namespace') return variables.namespace ? `${variables.namespace}.` : '';
    if (!variables.instanceId) throw new Error(`subject ${template} needs an instanceId`);
    return variables.instanceId;
  });
}

/**
 * The instance id that a subject names in the `{instanceId}` token of
 * `template`, or undefined when the subject does not fit the template (other
 * namespace, other message). For `{namespace}switchboard.v1.hub.instances.{instanceId}.register`
 * and `switchboard.v1.hub.instances.instance-a.register`: `instance-a`.
 */
export function instanceIdOfSubject(template: string, namespace: string, subject: string): string | undefined {
  const expected = fillSubject(template, { namespace, instanceId: ANY_INSTANCE }).split('.');
  const actual = subject.split('.');
  const position = template.includes('{instanceId}') ? expected.indexOf(ANY_INSTANCE) : -1;
  if (position < 0 || actual.length !== expected.length) return undefined;
  const fits = expected.every((token, index) => index === position || token === actual[index]);
  return fits && actual[position] ? actual[position] : undefined;
}

export function subjectTemplate(name: string): string {
  return `{namespace}${SUBJECT_PREFIX}.${name}`;
}

/** Queue group shared by the replicas of one service, so each request reaches one of them. */
export function queueGroup(namespace: string, service: string): string {
  return namespace ? `${namespace}.${service}` : service;
}
