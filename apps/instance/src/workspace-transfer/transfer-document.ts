import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import canonicalize from 'canonicalize';

import { definitionProblem } from '../elements/definition-bounds.js';
import { ELEMENT_TYPE_NAMES, type ElementType } from '../elements/element-type.js';
import { ELEMENT_KEY } from '../elements/elements.dto.js';
import type { JsonObject } from '../elements/json-value.js';
import { MAX_SUBSCRIPTIONS_PER_TENANT, MAX_WEBHOOK_URI_LENGTH } from '../events/event-subscriptions.dto.js';
import {
  INTEGRATION_AUTH_TYPES,
  INTEGRATION_KEY_PATTERN,
  type IntegrationAuthType,
} from '../integrations/integrations.dto.js';
import { EVENT_TYPES, type EventType } from '../journal/event-outbox.js';
import { MAX_TENANT_FIELDS_BYTES } from '../tenants/tenants.dto.js';

/**
 * The workspace export document (API.md, "Workspace export and import"):
 * what an admin can set on this instance, without ids, timestamps or any
 * secret, so that two workspaces holding the same configuration export the
 * same bytes. Settings the Hub pushes in snapshots (name, settings,
 * webhookUri, keys) are the Hub's and are not in it.
 */
export const TRANSFER_FORMAT = 'switchboard.workspace';
/**
 * The version an export writes, bumped on any change an older reader could
 * not take. Version 2 added tenants' `parentInternalId` and `subscriptions`.
 */
export const TRANSFER_VERSION = 2;
/**
 * The versions an import reads; another is a 400. A version-1 document is
 * one without what version 2 added (a tenant in it has no
 * `parentInternalId` or `subscriptions`), and its import leaves tenants'
 * links and subscriptions as they are.
 */
export const TRANSFER_READABLE_VERSIONS = [1, TRANSFER_VERSION] as const;
export type TransferVersion = (typeof TRANSFER_READABLE_VERSIONS)[number];

/** An integration as exported: never its client secret (`clientId` is not a secret, RFC 6749 §2.2). */
export interface ExportedIntegration {
  key: string;
  name: string;
  authType: IntegrationAuthType;
  clientId: string | null;
  settings: Record<string, unknown>;
  /** The connector it builds on: a connector of the document, of the target workspace, or of the target's universe. */
  connectorKey: string | null;
  archived: boolean;
}

/** One revision of an element, numbered as in its source workspace. */
export interface ExportedRevision {
  revision: number;
  name: string;
  definition: JsonObject;
}

/**
 * A tenant's own element (level "tenant") of any type with its whole
 * history, oldest revision first; the last one is the current one (a
 * tenant's own element has no drafts). `parentKey` names a universe element
 * of the same type it is laid over (null: none); the target instance must
 * hold one by that key. Universe elements themselves are never exported:
 * they are the platform's, synced to every instance.
 */
export interface ExportedOwnElement {
  type: ElementType;
  key: string;
  parentKey: string | null;
  archived: boolean;
  revisions: ExportedRevision[];
}

/**
 * A workspace template (level "workspace") with its whole history: as an
 * own element, plus `publishedRevision`, the revision every tenant not
 * pinned elsewhere sees (one of `revisions`; those above it are drafts).
 */
export interface ExportedElement extends ExportedOwnElement {
  publishedRevision: number;
}

/**
 * A tenant's overlay on whatever `(type, key)` resolves to for it: its own
 * element, a template, or a universe element (so it may name an element the
 * document does not hold, as the overlay outlives what it lays over).
 */
export interface ExportedCustomization {
  type: ElementType;
  key: string;
  definition: JsonObject;
}

/**
 * A tenant's live webhook for one event type (`event_subscriptions`; API.md,
 * "Events"); deleted (archived) ones are not exported. Identified by its
 * content: an import creates those the tenant lacks, as many times as the
 * document lists them.
 */
export interface ExportedSubscription {
  eventType: EventType;
  webhookUri: string;
}

/** A tenant, without credentials, tokens, API keys, activity or ids. */
export interface ExportedTenant {
  internalId: string;
  /**
   * The `internalId` of its parent (API.md, "Linked tenants"), a tenant of
   * the same document without a parent of its own; null: not linked. Always
   * in an export; absent only in a version-1 document.
   */
  parentInternalId?: string | null;
  name: string;
  fields: Record<string, unknown>;
  isTest: boolean;
  aiCreditsRolling30DayLimit: number | null;
  archived: boolean;
  customizations: ExportedCustomization[];
  /** The tenant's own elements, by type then key. */
  elements: ExportedOwnElement[];
  /** Canary pins: the revision of a template of the document this tenant sees instead of its published one. */
  deployments: ExportedDeployment[];
  /** Its live event subscriptions, by event type then webhook URI. Always in an export; absent only in a version-1 document. */
  subscriptions?: ExportedSubscription[];
}

/** A tenant pinned to one revision of a workspace template of the document (`element_deployments`). */
export interface ExportedDeployment {
  type: ElementType;
  key: string;
  revision: number;
}

export interface TransferDocument {
  format: typeof TRANSFER_FORMAT;
  /** TRANSFER_VERSION in an export; any of TRANSFER_READABLE_VERSIONS in an import. */
  version: TransferVersion;
  settings: { tenantFieldSchema: Record<string, unknown> | null };
  integrations: ExportedIntegration[];
  elements: ExportedElement[];
  /** Present only in an export made with `includeTenants=true`; an import without it leaves tenants alone. */
  tenants?: ExportedTenant[];
}

/** The largest import body, in bytes (a 413 above it): the service's 1 MiB would not hold a workspace of some size. */
export const TRANSFER_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** Bounds on a document, beyond TRANSFER_BODY_LIMIT_BYTES. */
export const TRANSFER_LIMITS = {
  integrations: 1000,
  elements: 10_000,
  revisionsPerElement: 10_000,
  tenants: 10_000,
  customizationsPerTenant: 10_000,
  elementsPerTenant: 10_000,
  deploymentsPerTenant: 10_000,
  /** As many as a tenant may hold (MAX_SUBSCRIPTIONS_PER_TENANT). */
  subscriptionsPerTenant: MAX_SUBSCRIPTIONS_PER_TENANT,
} as const;

/** Below the column's 2^31 - 1, so that an imported element can still take new revisions. */
const MAX_REVISION = 1_000_000_000;
const MAX_CREDITS = 2_000_000_000;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
const jsonObject = { type: 'object' };
const elementType = { enum: [...ELEMENT_TYPE_NAMES] };
const elementKey = { type: 'string', pattern: ELEMENT_KEY.source };
const revisionNumber = { type: 'integer', minimum: 1, maximum: MAX_REVISION };
const revisionList = {
  type: 'array',
  minItems: 1,
  maxItems: TRANSFER_LIMITS.revisionsPerElement,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['revision', 'name', 'definition'],
    properties: { revision: revisionNumber, name: text(200), definition: jsonObject },
  },
};
const ownElementProperties = {
  type: elementType,
  key: elementKey,
  parentKey: { anyOf: [elementKey, { type: 'null' }] },
  archived: { type: 'boolean' },
  revisions: revisionList,
};

/** The webhook URI as written, as IsHttpUrl reads it: `http(s)://`, no white space or control characters. */
const webhookUri = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_WEBHOOK_URI_LENGTH,
  pattern: '^[hH][tT][tT][pP][sS]?://[^\\s\\u0000-\\u001f\\u007f]+$',
};

/** A tenant of a version-1 document: what version 2 added is not a known field in it. */
const tenantV1 = {
  type: 'object',
  additionalProperties: false,
  required: [
    'internalId',
    'name',
    'fields',
    'isTest',
    'aiCreditsRolling30DayLimit',
    'archived',
    'customizations',
    'elements',
    'deployments',
  ],
  properties: {
    internalId: text(200),
    name: text(200),
    fields: jsonObject,
    isTest: { type: 'boolean' },
    aiCreditsRolling30DayLimit: {
      anyOf: [{ type: 'integer', minimum: 0, maximum: MAX_CREDITS }, { type: 'null' }],
    },
    archived: { type: 'boolean' },
    customizations: {
      type: 'array',
      maxItems: TRANSFER_LIMITS.customizationsPerTenant,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'key', 'definition'],
        properties: { type: elementType, key: elementKey, definition: jsonObject },
      },
    },
    elements: {
      type: 'array',
      maxItems: TRANSFER_LIMITS.elementsPerTenant,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'key', 'parentKey', 'archived', 'revisions'],
        properties: ownElementProperties,
      },
    },
    deployments: {
      type: 'array',
      maxItems: TRANSFER_LIMITS.deploymentsPerTenant,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'key', 'revision'],
        properties: { type: elementType, key: elementKey, revision: revisionNumber },
      },
    },
  },
} as const;

/** A tenant of a version-2 document: its parent's `internalId` and its subscriptions are required. */
const tenantV2 = {
  ...tenantV1,
  required: [...tenantV1.required, 'parentInternalId', 'subscriptions'],
  properties: {
    ...tenantV1.properties,
    parentInternalId: { anyOf: [text(200), { type: 'null' }] },
    subscriptions: {
      type: 'array',
      maxItems: TRANSFER_LIMITS.subscriptionsPerTenant,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['eventType', 'webhookUri'],
        properties: { eventType: { enum: [...EVENT_TYPES] }, webhookUri },
      },
    },
  },
} as const;

/** The schema of a document of `version`, its tenants as `tenant` describes them. */
function documentSchema(version: TransferVersion, tenant: typeof tenantV1 | typeof tenantV2) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['format', 'version', 'settings', 'integrations', 'elements'],
    properties: {
      format: { const: TRANSFER_FORMAT },
      version: { const: version },
      settings: {
        type: 'object',
        additionalProperties: false,
        required: ['tenantFieldSchema'],
        properties: { tenantFieldSchema: { type: ['object', 'null'] } },
      },
      integrations: {
        type: 'array',
        maxItems: TRANSFER_LIMITS.integrations,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'name', 'authType', 'clientId', 'settings', 'connectorKey', 'archived'],
          properties: {
            key: text(100),
            name: text(200),
            authType: { enum: [...INTEGRATION_AUTH_TYPES] },
            clientId: { anyOf: [text(1000), { type: 'null' }] },
            settings: jsonObject,
            connectorKey: { anyOf: [elementKey, { type: 'null' }] },
            archived: { type: 'boolean' },
          },
        },
      },
      elements: {
        type: 'array',
        maxItems: TRANSFER_LIMITS.elements,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'key', 'parentKey', 'archived', 'publishedRevision', 'revisions'],
          properties: { ...ownElementProperties, publishedRevision: revisionNumber },
        },
      },
      tenants: { type: 'array', maxItems: TRANSFER_LIMITS.tenants, items: tenant },
    },
  } as const;
}

/**
 * The JSON Schema (draft 7) of a document as exported (TRANSFER_VERSION).
 * Definitions' size and depth, uniqueness and references between parts are
 * checked after it (see documentProblems), as is `tenants[].fields` against
 * the tenant field schema and each `webhookUri` against the outbound policy.
 */
export const TRANSFER_SCHEMA = documentSchema(TRANSFER_VERSION, tenantV2);

const ajv = new Ajv({ allErrors: true, strict: false });
/** A validator for each readable version. */
const validators = new Map<number, ValidateFunction<TransferDocument>>([
  [1, ajv.compile<TransferDocument>(documentSchema(1, tenantV1))],
  [TRANSFER_VERSION, ajv.compile<TransferDocument>(TRANSFER_SCHEMA)],
]);

/** A problem with a document: a JSON Pointer (RFC 6901) into it, and what is wrong there. */
export interface DocumentProblem {
  path: string;
  message: string;
}

/** At most this many problems are reported for one document. */
const MAX_PROBLEMS = 20;

/**
 * Checks a document's shape against the schema of its version (TRANSFER_SCHEMA
 * for TRANSFER_VERSION); the problems (empty when it is one), each with the
 * JSON Pointer of the offending value. A wrong `format`, or a `version` not
 * among TRANSFER_READABLE_VERSIONS, is reported alone, before anything else.
 */
export function shapeProblems(value: unknown): DocumentProblem[] {
  let validate = validators.get(TRANSFER_VERSION)!;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { format, version } = value as Record<string, unknown>;
    if (format !== TRANSFER_FORMAT) {
      return [{ path: '/format', message: `must be "${TRANSFER_FORMAT}"` }];
    }
    const readable = typeof version === 'number' ? validators.get(version) : undefined;
    if (!readable) {
      return [
        {
          path: '/version',
          message:
            `unknown version ${JSON.stringify(version)}: this instance reads versions ` +
            TRANSFER_READABLE_VERSIONS.join(' and '),
        },
      ];
    }
    validate = readable;
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(toProblem);
}

function toProblem(error: ErrorObject): DocumentProblem {
  const params = error.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown };
  if (params.additionalProperty) {
    return { path: `${error.instancePath}/${params.additionalProperty}`, message: 'is not a known field' };
  }
  if (params.missingProperty)
    return { path: `${error.instancePath}/${params.missingProperty}`, message: 'is required' };
  if (params.allowedValues) {
    return { path: error.instancePath, message: `must be one of ${JSON.stringify(params.allowedValues)}` };
  }
  return { path: error.instancePath || '/', message: error.message ?? 'is not valid' };
}

/**
 * The document as exported: RFC 8785 canonical JSON (keys sorted, no
 * whitespace), so the same content is the same bytes on every instance.
 */
export function serializeDocument(document: TransferDocument): string {
  const serialized = canonicalize(document);
  if (serialized === undefined) throw new Error('a transfer document did not serialize');
  return serialized;
}

/** Two JSON values equal as RFC 8785 canonical text (key order and number spelling aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalize(a) === canonicalize(b);
}

/** Code-unit order, the same on every instance whatever its database collation. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders elements and customisations by type, then key. */
export function byTypeAndKey(a: { type: string; key: string }, b: { type: string; key: string }): number {
  return compareText(a.type, b.type) || compareText(a.key, b.key);
}

/**
 * What the schema cannot say about a valid document: keys unique where the
 * workspace needs them unique (a tenant's own element never shares its type
 * and key with a template, as ElementsRepository.insert enforces), revisions
 * in ascending order with the published one among them, definitions and
 * customisations within the elements' bounds (definition-bounds.ts), tenant
 * fields within their size bound, every pin naming a revision of a template
 * of the document, and every `parentInternalId` naming a tenant of the
 * document that has no parent itself (one level of links, no cycle).
 * Customisations may name any key (see ExportedCustomization); parent and
 * connector keys are checked against the target at import, as are webhook
 * URIs against the outbound policy. Empty when there is nothing wrong.
 */
export function documentProblems(document: TransferDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const integrationKeys = new Set<string>();
  document.integrations.forEach((integration, index) => {
    if (!INTEGRATION_KEY_PATTERN.test(integration.key)) {
      problems.push({
        path: `/integrations/${index}/key`,
        message: 'is not an integration key (a UUID, or odd characters)',
      });
    }
    if (integrationKeys.has(integration.key)) {
      problems.push({ path: `/integrations/${index}/key`, message: `"${integration.key}" appears twice` });
    }
    integrationKeys.add(integration.key);
  });
  /** Template revision numbers by type/key. */
  const templates = new Map<string, { published: number; revisions: Set<number> }>();
  document.elements.forEach((element, index) => {
    const path = `/elements/${index}`;
    const id = `${element.type}/${element.key}`;
    if (templates.has(id)) problems.push({ path: `${path}/key`, message: `${id} appears twice` });
    templates.set(id, { published: element.publishedRevision, revisions: revisionNumbers(element) });
    historyProblems(element, path, problems);
    if (!element.revisions.some((revision) => revision.revision === element.publishedRevision)) {
      problems.push({ path: `${path}/publishedRevision`, message: 'must be the number of one of the revisions' });
    }
  });
  const internalIds = new Set<string>();
  (document.tenants ?? []).forEach((tenant, index) => {
    const path = `/tenants/${index}`;
    if (internalIds.has(tenant.internalId)) {
      problems.push({ path: `${path}/internalId`, message: `"${tenant.internalId}" appears twice` });
    }
    internalIds.add(tenant.internalId);
    if (Buffer.byteLength(JSON.stringify(tenant.fields)) > MAX_TENANT_FIELDS_BYTES) {
      problems.push({ path: `${path}/fields`, message: `must be at most ${MAX_TENANT_FIELDS_BYTES} bytes of JSON` });
    }
    const customized = new Set<string>();
    tenant.customizations.forEach((customization, at) => {
      const id = `${customization.type}/${customization.key}`;
      const where = `${path}/customizations/${at}`;
      if (customized.has(id)) problems.push({ path: `${where}/key`, message: `${id} appears twice` });
      customized.add(id);
      const problem = definitionProblem(customization.definition);
      if (problem) problems.push({ path: `${where}/definition`, message: problem });
    });
    const owned = new Set<string>();
    tenant.elements.forEach((element, at) => {
      const id = `${element.type}/${element.key}`;
      const where = `${path}/elements/${at}`;
      if (owned.has(id)) problems.push({ path: `${where}/key`, message: `${id} appears twice` });
      if (templates.has(id)) {
        problems.push({
          path: `${where}/key`,
          message: `${id} is a workspace template's key too; keys are one level's`,
        });
      }
      owned.add(id);
      historyProblems(element, where, problems);
    });
    const pinned = new Set<string>();
    tenant.deployments.forEach((deployment, at) => {
      const id = `${deployment.type}/${deployment.key}`;
      const where = `${path}/deployments/${at}`;
      const template = templates.get(id);
      if (pinned.has(id)) problems.push({ path: `${where}/key`, message: `${id} appears twice` });
      pinned.add(id);
      if (!template) {
        problems.push({ path: `${where}/key`, message: `names no workspace template of the document (${id})` });
      } else if (!template.revisions.has(deployment.revision)) {
        problems.push({ path: `${where}/revision`, message: `names no revision of ${id}` });
      } else if (template.published === deployment.revision) {
        problems.push({ path: `${where}/revision`, message: `is the published revision of ${id}: nothing to pin` });
      }
    });
  });
  problems.push(...linkProblems(document.tenants ?? []));
  return problems.slice(0, MAX_PROBLEMS);
}

/**
 * Tenants' parents, named by `internalId` within the document: each a tenant
 * of the document other than itself, with no parent of its own (one level,
 * API.md "Linked tenants"); a loop of links is named as a cycle.
 */
function linkProblems(tenants: ExportedTenant[]): DocumentProblem[] {
  const parentOf = new Map(tenants.map((tenant) => [tenant.internalId, tenant.parentInternalId ?? null]));
  const problems: DocumentProblem[] = [];
  tenants.forEach((tenant, index) => {
    const parent = tenant.parentInternalId;
    if (parent === undefined || parent === null) return;
    const path = `/tenants/${index}/parentInternalId`;
    if (!parentOf.has(parent)) {
      problems.push({ path, message: `names no tenant of the document ("${parent}")` });
      return;
    }
    const cycle = [tenant.internalId];
    for (let next: string | null | undefined = parent; next; next = parentOf.get(next)) {
      cycle.push(next);
      if (next === tenant.internalId) break;
      if (cycle.length > parentOf.size + 1) break;
    }
    if (cycle[cycle.length - 1] === tenant.internalId) {
      problems.push({ path, message: `links tenants in a cycle: ${cycle.map((id) => `"${id}"`).join(' → ')}` });
    } else if (parentOf.get(parent) !== null) {
      problems.push({
        path,
        message: `names "${parent}", which has a parent itself: tenants link one level deep only`,
      });
    }
  });
  return problems;
}

function revisionNumbers(element: ExportedOwnElement): Set<number> {
  return new Set(element.revisions.map((revision) => revision.revision));
}

/** Revisions in ascending order, each once, and every definition within bounds. */
function historyProblems(element: ExportedOwnElement, path: string, problems: DocumentProblem[]): void {
  element.revisions.forEach((revision, at) => {
    const where = `${path}/revisions/${at}`;
    const previous = element.revisions[at - 1];
    if (previous && revision.revision <= previous.revision) {
      problems.push({ path: `${where}/revision`, message: 'revisions must be in ascending order, each once' });
    }
    const problem = definitionProblem(revision.definition);
    if (problem) problems.push({ path: `${where}/definition`, message: problem });
  });
}
