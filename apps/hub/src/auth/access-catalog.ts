import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '@switchboard/server';

import { ACCESS_METADATA, type AccessDeclaration } from './access.decorator.js';

/** One HTTP route and who may call it, as its decorators declare. */
export interface RouteAccess {
  /** `GET`, `POST`, … */
  method: string;
  /** As the router serves it: `/orgs/:orgId/members`. */
  path: string;
  /** `public` for `@Public()`; `undefined` when the route declares nothing (refused at boot). */
  access: AccessDeclaration | 'public' | undefined;
}

/**
 * Every HTTP route of the app with its declared access rule, read from the
 * same metadata AccessGuard enforces (the route snapshots read it here).
 * Refuses to let the app start (deny by default, STYLE.md) when a route
 * declares neither `@Access(...)` nor `@Public()`, when an org rule names no
 * org, or when it names a path parameter the route does not have.
 * @throws Error at module init, naming every such route.
 */
@Injectable()
export class AccessCatalog implements OnModuleInit {
  private routes: RouteAccess[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    this.routes = this.scan();
    const refused = this.routes.flatMap((route) => {
      const label = `${route.method} ${route.path}`;
      if (route.access === undefined) return [`${label}: declares neither @Access(...) nor @Public()`];
      if (route.access === 'public' || !route.access.rule.startsWith('org')) return [];
      const org = route.access.org;
      if (!org) return [`${label}: the rule ${route.access.rule} names no org`];
      if (org.source === 'param' && !route.path.split('/').includes(`:${org.name}`)) {
        return [`${label}: the org is named by a path parameter :${org.name} the route does not have`];
      }
      return [];
    });
    if (refused.length > 0) throw new Error(`Routes without a valid access rule:\n${refused.join('\n')}`);
  }

  /** Every route, sorted by method and path. */
  list(): RouteAccess[] {
    return [...this.routes];
  }

  private scan(): RouteAccess[] {
    const routes: RouteAccess[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller || typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      const base = this.reflector.get<string | string[] | undefined>(PATH_METADATA, controller);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const method = this.reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
        const path = this.reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
        if (method === undefined || path === undefined) continue;
        const targets = [handler, controller];
        const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
        const declared = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, targets);
        for (const prefix of [base ?? ''].flat()) {
          for (const suffix of [path].flat()) {
            routes.push({
              method: RequestMethod[method],
              path: joinPath(prefix, suffix),
              access: isPublic ? 'public' : declared,
            });
          }
        }
      }
    }
    return routes.sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`));
  }
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');
  return `/${joined}`;
}
