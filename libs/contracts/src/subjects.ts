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

export function subjectTemplate(name: string): string {
  return `{namespace}${SUBJECT_PREFIX}.${name}`;
}

/** Queue group shared by the replicas of one service, so each request reaches one of them. */
export function queueGroup(namespace: string, service: string): string {
  return namespace ? `${namespace}.${service}` : service;
}
