import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The five kinds of element, by the path that serves them. They behave alike,
 * so one controller serves all five prefixes and this is the only place that
 * tells them apart. The stored `element_type` is Membrane's name for the
 * kind (WorkspaceElementType), which is also the singular path its SDK uses
 * for selector objects (`GET /action?key=…`).
 */
export const ELEMENT_TYPES = {
  connectors: 'connector',
  actions: 'action',
  flows: 'flow',
  'field-mappings': 'field-mapping',
  'data-sources': 'data-source',
} as const;

export type ElementPath = keyof typeof ELEMENT_TYPES;
export type ElementType = (typeof ELEMENT_TYPES)[ElementPath];

export const ELEMENT_PATHS = Object.keys(ELEMENT_TYPES) as ElementPath[];
export const ELEMENT_TYPE_NAMES = Object.values(ELEMENT_TYPES);

const BY_SEGMENT = new Map<string, ElementType>([
  ...Object.entries(ELEMENT_TYPES),
  ...ELEMENT_TYPE_NAMES.map((type) => [type, type] as const),
]);

/** The element type of the route that matched (its first path segment), never read from the caller's input. */
export const CurrentElementType = createParamDecorator((_: unknown, context: ExecutionContext): ElementType => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const segment = (request.routeOptions.url ?? '').split('/')[1] ?? '';
  const type = BY_SEGMENT.get(segment);
  if (!type) throw new Error(`CurrentElementType read on a route that serves no element type: ${segment}`);
  return type;
});
