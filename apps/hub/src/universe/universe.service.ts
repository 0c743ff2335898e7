import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UniverseElementType } from '@switchboard/contracts';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, DomainException, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import type { PlatformPrincipal } from '../auth/platform-principal.js';
import type {
  CreateUniverseElementDto,
  ListUniverseQueryDto,
  UniverseElementDto,
  UniverseRevisionDto,
  UpdateUniverseElementDto,
} from './universe.dto.js';
import { UniverseRepository } from './universe.repository.js';
import type { UniverseElement } from './universe-element.entity.js';
import { UniverseOutboxRelay } from './universe-outbox-relay.js';

/**
 * The most the universe snapshot may weigh: it crosses NATS as one message,
 * whose default limit (`max_payload`) is 1 MiB; the rest is left for the
 * envelope and signature.
 */
export const MAX_UNIVERSE_BYTES = 768 * 1024;

/**
 * The universe on the Hub (API.md, Universe; Membrane's "Universe"):
 * platform-wide elements with revisions and archive. Every change runs in one
 * transaction that bumps the universe version, writes the element (and its
 * revision), and queues a delivery of that version to every registered
 * instance (`universe_outbox`); after commit the relay is woken. Who may call
 * what is the controller's `@Access` (writes: platform admins).
 */
@Injectable()
export class UniverseService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: UniverseRepository,
    private readonly relay: UniverseOutboxRelay,
  ) {}

  /** A page of elements of `type`, oldest first. @throws DomainException 400 for a forged cursor. */
  async list(type: UniverseElementType, query: ListUniverseQueryDto): Promise<Page<UniverseElementDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.listPage(type, query.includeArchived ?? false, after, limit + 1);
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.id }), toDto);
  }

  /** One element, archived or not. @throws DomainException 404 when there is none. */
  async get(type: UniverseElementType, key: string): Promise<UniverseElementDto> {
    const row = await this.repository.find(type, key);
    if (!row) throw DomainException.notFound('The universe element');
    return toDto(row);
  }

  /**
   * Every revision of an element, oldest first, cursor-paged (the Hub keeps
   * the history; instances hold only the current one).
   * @throws DomainException 404 when there is no such element, 400 for a forged cursor.
   */
  async revisions(type: UniverseElementType, key: string, query: PageQueryDto): Promise<Page<UniverseRevisionDto>> {
    const element = await this.repository.find(type, key);
    if (!element) throw DomainException.notFound('The universe element');
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, (id) => /^[1-9][0-9]{0,9}$/.test(id));
    const rows = await this.repository.listRevisions(element.id, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: String(row.revision) }),
      (row) => ({
        revision: row.revision,
        name: row.name,
        definition: row.definition,
        createdBy: row.createdBy,
        createdAt: row.createdAt.toISOString(),
      }),
    );
  }

  /** Revision 1 of a new element. @throws DomainException 409 when the type already has this key. */
  async create(
    principal: PlatformPrincipal,
    type: UniverseElementType,
    body: CreateUniverseElementDto,
  ): Promise<UniverseElementDto> {
    return this.change(async (manager, version) => {
      if (await this.repository.find(type, body.key, manager)) {
        throw DomainException.conflict(`A universe ${type} with the key ${body.key} already exists.`);
      }
      const write = { name: body.name, definition: body.definition };
      const row = await this.repository.insert(manager, type, body.key, write, version);
      await this.repository.insertRevision(manager, row.id, 1, write, principal.user.id);
      return row;
    });
  }

  /** The next revision: the whole definition, and the name when given. @throws DomainException 404 when there is none. */
  async update(
    principal: PlatformPrincipal,
    type: UniverseElementType,
    key: string,
    body: UpdateUniverseElementDto,
  ): Promise<UniverseElementDto> {
    return this.change(async (manager, version) => {
      const current = await this.locked(manager, type, key);
      const write = { name: body.name ?? current.name, definition: body.definition };
      const revision = current.revision + 1;
      const row = await this.repository.update(manager, current.id, write, revision, version);
      await this.repository.insertRevision(manager, row.id, revision, write, principal.user.id);
      return row;
    });
  }

  /**
   * Archives (`archived`) or restores an element: instances hide an archived
   * one from tokens (admins see it with `includeArchived`). A no-op when it
   * already is so (no new universe version). @throws DomainException 404 when there is none.
   */
  async setArchived(type: UniverseElementType, key: string, archived: boolean): Promise<UniverseElementDto> {
    const current = await this.repository.find(type, key);
    if (!current) throw DomainException.notFound('The universe element');
    if ((current.archivedAt !== null) === archived) return toDto(current);
    return this.change(async (manager, version) => {
      const locked = await this.locked(manager, type, key);
      return this.repository.setArchived(manager, locked.id, archived, version);
    });
  }

  /**
   * One universe change: version bumped, `work` done, every instance queued,
   * all in one transaction; then the relay woken.
   * @throws DomainException 409 when the universe would exceed MAX_UNIVERSE_BYTES (nothing is changed).
   */
  private async change(
    work: (manager: EntityManager, version: number) => Promise<Columns<UniverseElement>>,
  ): Promise<UniverseElementDto> {
    const row = await this.dataSource.transaction(async (manager) => {
      const version = await this.repository.bumpVersion(manager);
      const written = await work(manager, version);
      const bytes = await this.repository.snapshotBytes(manager);
      if (bytes > MAX_UNIVERSE_BYTES) {
        throw DomainException.conflict(
          `With this change the universe would be about ${Math.ceil(bytes / 1024)} KiB, more than the ` +
            `${MAX_UNIVERSE_BYTES / 1024} KiB every instance can receive in one message; make definitions smaller.`,
        );
      }
      await this.repository.enqueueForEveryInstance(manager, version);
      return written;
    });
    this.relay.wake();
    return toDto(row);
  }

  private async locked(
    manager: EntityManager,
    type: UniverseElementType,
    key: string,
  ): Promise<Columns<UniverseElement>> {
    const row = await this.repository.find(type, key, manager, true);
    if (!row) throw DomainException.notFound('The universe element');
    return row;
  }
}

function toDto(row: Columns<UniverseElement>): UniverseElementDto {
  return {
    id: row.id,
    type: row.elementType,
    key: row.key,
    name: row.name,
    definition: row.definition,
    revision: row.revision,
    universeVersion: row.universeVersion,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
}
