import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type Columns,
  execute,
  type ExtraRow,
  queryRow,
  queryRows,
  RowShapeError,
  Table,
} from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { ElementCustomization } from './element-customization.entity.js';
import { ElementRevision } from './element-revision.entity.js';
import { ElementTemplate } from './element-template.entity.js';
import type { ElementType } from './element-type.js';
import type { PlaceholderTenant } from './fill-placeholders.js';
import { isJsonObject, type JsonObject } from './json-value.js';

/** Where an element lives: the platform's universe, the workspace (a template), or one tenant (its own). */
export type ElementLevel = 'universe' | 'workspace' | 'tenant';

/** A revision with its cursor position. */
export type RevisionPageRow = Columns<ElementRevision> & ExtraRow<{ position: 'string' }>;

/** How a read names one element: by key, by id, or both (the key winning); null: not by that. */
export interface TemplateKeys {
  key: string | null;
  id: string | null;
}

/**
 * Whose view a resolution computes. `tenantId`: the tenant whose own
 * elements, canary pins and customisation count (null: none, an admin's
 * view of the workspace). `latest`: templates at their latest revision (the
 * admin's view) rather than the revision published to the tenant.
 * `archived`: archived elements take part too.
 */
export interface ResolutionView {
  tenantId: string | null;
  latest: boolean;
  archived: boolean;
}

/**
 * One element as resolved for a view, before merging (see
 * ElementsService): the chosen level's row at the revision the view sees,
 * the universe parent's definition when a template names one, and the
 * tenant's overlay.
 */
export interface ResolvedRow {
  id: string;
  level: ElementLevel;
  elementType: ElementType;
  key: string;
  tenantId: string | null;
  name: string;
  definition: JsonObject;
  /** The revision the view is built on. */
  revision: number;
  latestRevision: number;
  /** Null for a universe element (the Hub publishes those). */
  publishedRevision: number | null;
  parentKey: string | null;
  /** The universe parent's current definition; null when none is named or the instance holds none by that key. */
  parentDefinition: JsonObject | null;
  parentRevision: number | null;
  parentArchived: boolean;
  customization: JsonObject | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
  /** created_at at full microsecond precision, for cursors. */
  position: string;
}

/** Thrown by ElementsRepository.insert when the key is another level's in the workspace (see there). */
export class ElementKeyTakenError extends Error {
  override name = 'ElementKeyTakenError';
  constructor(readonly takenBy: 'workspace' | 'tenant') {
    super(`element key taken by a ${takenBy}-level element`);
  }
}

const LEVELS: readonly ElementLevel[] = ['tenant', 'workspace', 'universe'];

/**
 * The one resolution every read uses, for every type: per key, the tenant's
 * own element (rank 0), else the workspace template (1), else the universe
 * element (2); at the revision the view sees (a canary pin, else the
 * published one, or the latest for an admin), joined with its universe parent
 * and the tenant's customisation. `$1` type, `$2` tenant, `$3` latest, `$4`
 * archived; `match` filters candidates of both tables (alias `e`).
 */
function resolutionSql(match: string, tail: string): string {
  return `WITH candidates AS (
    SELECT e.id, CASE WHEN e.tenant_id IS NULL THEN 1 ELSE 0 END AS rank, e.key, e.tenant_id, e.parent_key,
           e.created_at, e.updated_at, e.archived_at, e.revision AS latest_revision, e.published_revision,
           CASE WHEN $3 THEN e.revision ELSE COALESCE(d.revision, e.published_revision) END AS revision,
           e.name, e.definition
    FROM element_templates e
    LEFT JOIN element_deployments d ON d.element_id = e.id AND d.tenant_id = $2
    WHERE e.element_type = $1 AND (e.tenant_id IS NULL OR e.tenant_id = $2) AND ($4 OR e.archived_at IS NULL) AND ${match}
    UNION ALL
    SELECT e.id, 2, e.key, NULL, NULL, e.created_at, e.updated_at, e.archived_at, e.revision, NULL, e.revision,
           e.name, e.definition
    FROM universe_elements e
    WHERE e.element_type = $1 AND ($4 OR e.archived_at IS NULL) AND ${match}
  ), chosen AS (
    SELECT DISTINCT ON (key) * FROM candidates ORDER BY key, rank
  )
  SELECT x.id, x.rank, x.key, x.tenant_id, x.parent_key, x.created_at, x.updated_at, x.archived_at,
         x.latest_revision, x.published_revision, x.revision,
         COALESCE(r.name, x.name) AS name, COALESCE(r.definition, x.definition) AS definition,
         p.definition AS parent_definition, p.revision AS parent_revision, p.archived_at AS parent_archived_at,
         c.definition AS customization, to_json(x.created_at) #>> '{}' AS position
  FROM chosen x
  LEFT JOIN element_revisions r ON x.rank < 2 AND x.revision <> x.latest_revision AND r.element_id = x.id AND r.revision = x.revision
  LEFT JOIN universe_elements p ON x.parent_key IS NOT NULL AND p.element_type = $1 AND p.key = x.parent_key
  LEFT JOIN element_customizations c ON c.tenant_id = $2 AND c.element_type = $1 AND c.key = x.key
  ${tail}`;
}

const RESOLVED_SHAPE = {
  id: 'string',
  rank: 'number',
  key: 'string',
  tenant_id: 'string?',
  parent_key: 'string?',
  created_at: 'date',
  updated_at: 'date',
  archived_at: 'date?',
  latest_revision: 'number',
  published_revision: 'number?',
  revision: 'number',
  name: 'string',
  definition: 'json',
  parent_definition: 'json',
  parent_revision: 'number?',
  parent_archived_at: 'date?',
  customization: 'json',
  position: 'string',
} as const;

/**
 * All SQL of the elements feature (templates and tenants' own elements, their
 * revisions, canary pins, tenants' customisations, and the read of the
 * universe elements they resolve through), rows decoded against the entities
 * (see `Table`). Methods are generic over the element type. Every method
 * takes the `EntityManager` of the caller's scoped transaction first: each
 * element operation reads and writes several of these tables at once.
 * Row-level security confines rows to the workspace, a tenant's own elements
 * and customisations to that tenant, and lets a tenant scope write nothing
 * but its own.
 */
@Injectable()
export class ElementsRepository {
  private readonly templates: Table<ElementTemplate>;
  private readonly revisions: Table<ElementRevision>;
  private readonly customizations: Table<ElementCustomization>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.templates = Table.of(dataSource, ElementTemplate);
    this.revisions = Table.of(dataSource, ElementRevision);
    this.customizations = Table.of(dataSource, ElementCustomization);
  }

  /**
   * One page of the elements of `type` a view sees, one per key (see
   * resolutionSql), oldest first: whose name or key matches `search` (an
   * ILIKE pattern; null: all), after `after`; `limit` rows at most.
   */
  async resolvePage(
    manager: EntityManager,
    type: ElementType,
    view: ResolutionView,
    page: { search: string | null; after: CursorPosition | null; limit: number },
  ): Promise<ResolvedRow[]> {
    const rows = await queryRows(
      manager,
      resolutionSql(
        '($5::text IS NULL OR e.name ILIKE $5 OR e.key ILIKE $5)',
        `WHERE ($6::timestamptz IS NULL OR (x.created_at, x.id) > ($6::timestamptz, $7::uuid))
         ORDER BY x.created_at, x.id LIMIT $8`,
      ),
      [
        type,
        view.tenantId,
        view.latest,
        view.archived,
        page.search,
        page.after?.at ?? null,
        page.after?.id ?? null,
        page.limit,
      ],
      RESOLVED_SHAPE,
    );
    return rows.map((row) => toResolved(type, row));
  }

  /** The element of `type` a view sees by key or id (the key winning), or null. */
  async resolve(
    manager: EntityManager,
    type: ElementType,
    keys: TemplateKeys,
    view: ResolutionView,
  ): Promise<ResolvedRow | null> {
    const row = await queryRow(
      manager,
      resolutionSql('(e.key = $5 OR e.id = $6)', 'ORDER BY x.key = $5 DESC NULLS LAST, x.rank LIMIT 1'),
      [type, view.tenantId, view.latest, view.archived, keys.key, keys.id],
      RESOLVED_SHAPE,
    );
    return row && toResolved(type, row);
  }

  /**
   * The stored element of `type` named by key or id (the key winning),
   * archived or not: a workspace template when `tenantId` is null, else that
   * tenant's own element. With `lock`, locked until the transaction ends.
   */
  find(
    manager: EntityManager,
    type: ElementType,
    keys: TemplateKeys,
    options: { tenantId: string | null; lock?: boolean },
  ): Promise<Columns<ElementTemplate> | null> {
    return this.templates.queryOne(
      manager,
      `SELECT ${this.templates.columnsOf('t')} FROM element_templates t
       WHERE t.element_type = $1 AND (t.key = $2 OR t.id = $3) AND t.tenant_id IS NOT DISTINCT FROM $4
       ORDER BY t.key = $2 DESC NULLS LAST
       LIMIT 1 ${options.lock ? 'FOR UPDATE OF t' : ''}`,
      [type, keys.key, keys.id, options.tenantId],
    );
  }

  /** The universe element of `type` and `key` this instance holds (archived too), or null. */
  findUniverse(
    manager: EntityManager,
    type: ElementType,
    key: string,
  ): Promise<{ id: string; revision: number; archived: boolean } | null> {
    return queryRow(
      manager,
      `SELECT id, revision, archived_at IS NOT NULL AS archived FROM universe_elements WHERE element_type = $1 AND key = $2`,
      [type, key],
      { id: 'string', revision: 'number', archived: 'boolean' },
    );
  }

  /**
   * Stores a new element at revision 1, published, and returns it (its
   * revision row is written by insertRevision). A template (`tenantId` null)
   * and a tenant's own element never share a key: under a transaction-scoped
   * advisory lock on (workspace, type, key), which every insert takes, it
   * checks the other level first.
   * @throws ElementKeyTakenError when the key is the other level's (for a template: any tenant's own).
   * @throws TypeORM's QueryFailedError (unique violation) when the key is taken at the same level.
   */
  async insert(
    manager: EntityManager,
    element: Pick<
      ElementTemplate,
      'workspaceId' | 'tenantId' | 'elementType' | 'key' | 'name' | 'definition' | 'parentKey'
    >,
  ): Promise<Columns<ElementTemplate>> {
    await execute(manager, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `element-key:${element.workspaceId}:${element.elementType}:${element.key}`,
    ]);
    const other = await queryRow(
      manager,
      `SELECT tenant_id IS NULL AS template FROM element_templates
       WHERE element_type = $1 AND key = $2 AND (CASE WHEN $3::uuid IS NULL THEN tenant_id IS NOT NULL ELSE tenant_id IS NULL END)
       LIMIT 1`,
      [element.elementType, element.key, element.tenantId],
      { template: 'boolean' },
    );
    if (other) throw new ElementKeyTakenError(other.template ? 'workspace' : 'tenant');
    const row = await this.templates.queryOne(
      manager,
      `INSERT INTO element_templates AS t (workspace_id, tenant_id, element_type, key, name, definition, parent_key, revision, published_revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 1) RETURNING ${this.templates.columnsOf('t')}`,
      [
        element.workspaceId,
        element.tenantId,
        element.elementType,
        element.key,
        element.name,
        JSON.stringify(element.definition),
        element.parentKey,
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no element template');
    return row;
  }

  /**
   * Sets a new name, definition and parent as the next revision; with
   * `publish` it is what every tenant sees from now on (canary pins dropped),
   * without it a draft. The updated row, or null when the scope sees none.
   */
  async revise(
    manager: EntityManager,
    id: string,
    next: { name: string; definition: JsonObject; parentKey: string | null; publish: boolean },
  ): Promise<Columns<ElementTemplate> | null> {
    const row = await this.templates.queryOne(
      manager,
      `UPDATE element_templates t SET name = $2, definition = $3, parent_key = $4, revision = revision + 1,
         published_revision = CASE WHEN $5 THEN revision + 1 ELSE published_revision END, updated_at = now()
       WHERE id = $1 RETURNING ${this.templates.columnsOf('t')}`,
      [id, next.name, JSON.stringify(next.definition), next.parentKey, next.publish],
    );
    if (row && next.publish) await execute(manager, 'DELETE FROM element_deployments WHERE element_id = $1', [id]);
    return row;
  }

  /** Makes `revision` what every tenant sees: the published revision, every canary pin dropped. */
  async publishToAll(manager: EntityManager, id: string, revision: number): Promise<void> {
    await execute(manager, 'UPDATE element_templates SET published_revision = $2, updated_at = now() WHERE id = $1', [
      id,
      revision,
    ]);
    await execute(manager, 'DELETE FROM element_deployments WHERE element_id = $1', [id]);
  }

  /**
   * Pins the listed tenants (of the element's workspace) to `revision`; a pin
   * equal to the published revision is dropped instead. How many of the
   * listed tenants exist in the scope (live ones only).
   */
  async publishToTenants(
    manager: EntityManager,
    element: Pick<ElementTemplate, 'id' | 'workspaceId' | 'publishedRevision'>,
    revision: number,
    tenantIds: string[],
  ): Promise<number> {
    const found = await queryRow(
      manager,
      'SELECT count(*)::int AS n FROM tenants WHERE id = ANY($1::uuid[]) AND archived_at IS NULL',
      [tenantIds],
      { n: 'number' },
    );
    if (!found || found.n !== new Set(tenantIds).size) return found?.n ?? 0;
    if (revision === element.publishedRevision) {
      await execute(manager, 'DELETE FROM element_deployments WHERE element_id = $1 AND tenant_id = ANY($2::uuid[])', [
        element.id,
        tenantIds,
      ]);
    } else {
      await execute(
        manager,
        `INSERT INTO element_deployments (workspace_id, element_id, tenant_id, revision)
         SELECT $1, $2, unnest($3::uuid[]), $4
         ON CONFLICT (element_id, tenant_id) DO UPDATE SET revision = EXCLUDED.revision, updated_at = now()`,
        [element.workspaceId, element.id, [...new Set(tenantIds)], revision],
      );
    }
    return found.n;
  }

  /**
   * Which revision of the template the workspace's live tenants see: the
   * published and latest revisions, and how many tenants see each revision
   * (lowest first). Null when the scope sees no such template.
   */
  async deployment(
    manager: EntityManager,
    id: string,
  ): Promise<{
    publishedRevision: number;
    latestRevision: number;
    tenants: Array<{ revision: number; count: number }>;
  } | null> {
    const element = await queryRow(
      manager,
      'SELECT published_revision, revision FROM element_templates WHERE id = $1',
      [id],
      { published_revision: 'number', revision: 'number' },
    );
    if (!element) return null;
    const tenants = await queryRows(
      manager,
      `SELECT COALESCE(d.revision, $2::int) AS revision, count(*)::int AS count
       FROM tenants n
       LEFT JOIN element_deployments d ON d.element_id = $1 AND d.tenant_id = n.id
       WHERE n.archived_at IS NULL
       GROUP BY 1 ORDER BY 1`,
      [id, element.published_revision],
      { revision: 'number', count: 'number' },
    );
    return { publishedRevision: element.published_revision, latestRevision: element.revision, tenants };
  }

  /** Archives (keeping the first archive time) or restores; the updated row, or null when the scope sees none. */
  setArchived(manager: EntityManager, id: string, archived: boolean): Promise<Columns<ElementTemplate> | null> {
    return this.templates.queryOne(
      manager,
      `UPDATE element_templates t
       SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1 RETURNING ${this.templates.columnsOf('t')}`,
      [id, archived],
    );
  }

  /** Records the element's current name and definition as its revision `element.revision`. */
  async insertRevision(manager: EntityManager, element: Columns<ElementTemplate>): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_revisions (workspace_id, tenant_id, element_id, revision, name, definition)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        element.workspaceId,
        element.tenantId,
        element.id,
        element.revision,
        element.name,
        JSON.stringify(element.definition),
      ],
    );
  }

  /** One page of the element's revisions, newest first, before revision `before` (null: from the newest). */
  listRevisionsPage(
    manager: EntityManager,
    elementId: string,
    page: { before: number | null; limit: number },
  ): Promise<RevisionPageRow[]> {
    return this.revisions.query(
      manager,
      `SELECT ${this.revisions.columns}, to_json(created_at) #>> '{}' AS position
       FROM element_revisions
       WHERE element_id = $1 AND ($2::integer IS NULL OR revision < $2)
       ORDER BY revision DESC
       LIMIT $3`,
      [elementId, page.before, page.limit],
      { position: 'string' },
    );
  }

  /** One revision of the element, or null. */
  findRevision(manager: EntityManager, elementId: string, revision: number): Promise<Columns<ElementRevision> | null> {
    return this.revisions.queryOne(
      manager,
      `SELECT ${this.revisions.columns} FROM element_revisions WHERE element_id = $1 AND revision = $2`,
      [elementId, revision],
    );
  }

  /** The tenant's overlay on whatever `(type, key)` resolves to, or null when it has none. */
  findCustomization(
    manager: EntityManager,
    target: Pick<ElementCustomization, 'tenantId' | 'elementType' | 'key'>,
  ): Promise<Columns<ElementCustomization> | null> {
    return this.customizations.queryOne(
      manager,
      `SELECT ${this.customizations.columns} FROM element_customizations
       WHERE tenant_id = $1 AND element_type = $2 AND key = $3`,
      [target.tenantId, target.elementType, target.key],
    );
  }

  /**
   * The tenant's overlay on `(type, key)`, created empty (`{}`) when it has
   * none, and locked (`FOR UPDATE`) until the caller's transaction ends: a
   * tenant's concurrent patches then apply one after the other.
   */
  async lockCustomization(
    manager: EntityManager,
    target: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementType' | 'key'>,
  ): Promise<Columns<ElementCustomization>> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_type, key, definition)
       VALUES ($1, $2, $3, $4, '{}') ON CONFLICT (tenant_id, element_type, key) DO NOTHING`,
      [target.workspaceId, target.tenantId, target.elementType, target.key],
    );
    const row = await this.customizations.queryOne(
      manager,
      `SELECT ${this.customizations.columns} FROM element_customizations
       WHERE tenant_id = $1 AND element_type = $2 AND key = $3 FOR UPDATE`,
      [target.tenantId, target.elementType, target.key],
    );
    // Inserted or kept just above, in this transaction: absent only if the scope cannot see the tenant.
    if (!row)
      throw new Error(`element_customizations: no row for ${target.elementType} ${target.key} after the upsert`);
    return row;
  }

  /** Sets (replaces) the tenant's overlay on `(type, key)`. */
  async upsertCustomization(
    manager: EntityManager,
    customization: Pick<ElementCustomization, 'workspaceId' | 'tenantId' | 'elementType' | 'key' | 'definition'>,
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO element_customizations (workspace_id, tenant_id, element_type, key, definition)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, element_type, key) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [
        customization.workspaceId,
        customization.tenantId,
        customization.elementType,
        customization.key,
        JSON.stringify(customization.definition),
      ],
    );
  }

  /** Drops the tenant's overlay on `(type, key)`; how many rows went (0 or 1). */
  deleteCustomization(
    manager: EntityManager,
    target: Pick<ElementCustomization, 'tenantId' | 'elementType' | 'key'>,
  ): Promise<number> {
    return execute(
      manager,
      'DELETE FROM element_customizations WHERE tenant_id = $1 AND element_type = $2 AND key = $3',
      [target.tenantId, target.elementType, target.key],
    );
  }

  /** What placeholders may name about the tenant, as stored now; null when the scope does not see it (or it is archived). */
  async findPlaceholderTenant(manager: EntityManager, tenantId: string): Promise<PlaceholderTenant | null> {
    const row = await queryRow(manager, 'SELECT name, internal_id, fields FROM tenants WHERE id = $1', [tenantId], {
      name: 'string',
      internal_id: 'string',
      fields: 'json',
    });
    if (!row) return null;
    if (!isJsonObject(row.fields)) throw new RowShapeError('tenants', 'fields', 'a JSON object', row.fields);
    return { name: row.name, internalId: row.internal_id, fields: row.fields };
  }
}

type ResolvedShapeRow = ExtraRow<typeof RESOLVED_SHAPE>;

/**
 * A resolution row checked: definitions and overlays are JSON objects or absent.
 * @throws RowShapeError otherwise.
 */
function toResolved(type: ElementType, row: ResolvedShapeRow): ResolvedRow {
  const level = LEVELS[row.rank];
  if (!level) throw new RowShapeError('element resolution', 'rank', '0, 1 or 2', row.rank);
  return {
    id: row.id,
    level,
    elementType: type,
    key: row.key,
    tenantId: row.tenant_id,
    name: row.name,
    definition: object('definition', row.definition),
    revision: row.revision,
    latestRevision: row.latest_revision,
    publishedRevision: row.published_revision,
    parentKey: row.parent_key,
    parentDefinition: row.parent_definition === null ? null : object('parent_definition', row.parent_definition),
    parentRevision: row.parent_revision,
    parentArchived: row.parent_archived_at !== null,
    customization: row.customization === null ? null : object('customization', row.customization),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    position: row.position,
  };
}

function object(column: string, value: unknown): JsonObject {
  if (!isJsonObject(value)) throw new RowShapeError('element resolution', column, 'a JSON object', value);
  return value;
}
