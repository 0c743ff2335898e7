import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { isNullableField } from '@switchboard/server';
import { getMetadataStorage } from 'class-validator';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const API_MODEL_PROPERTIES = 'swagger/apiModelProperties';
const NEST_CONTROLLER_PATH = 'path';

type Class = abstract new (...args: never[]) => unknown;

/** Every class a route of either app takes as its body or query: the parameter types of every controller method. */
async function routeDtos(): Promise<Class[]> {
  const files = ['apps/hub/src', 'apps/instance/src'].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.controller.ts'))
      .map((file) => join(ROOT, dir, file)),
  );
  const dtos = new Set<Class>();
  for (const file of files) {
    const exported = (await import(file)) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (typeof value !== 'function' || Reflect.getMetadata(NEST_CONTROLLER_PATH, value) === undefined) continue;
      const proto = value.prototype as object;
      for (const method of Object.getOwnPropertyNames(proto)) {
        const types = (Reflect.getMetadata('design:paramtypes', proto, method) ?? []) as unknown[];
        for (const type of types) {
          if (typeof type === 'function' && validationOf(type as Class).length > 0) dtos.add(type as Class);
        }
      }
    }
  }
  return [...dtos];
}

function validationOf(type: Class) {
  return getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
}

function openApiProperty(type: Class, property: string): { nullable?: boolean } | undefined {
  return Reflect.getMetadata(API_MODEL_PROPERTIES, type.prototype as object, property) as
    { nullable?: boolean } | undefined;
}

/**
 * class-validator's `@IsOptional()` lets `null` through as well as a missing
 * field, and the columns behind most fields are NOT NULL (a 500). Every DTO of
 * both apps says instead what it means: `@Optional()` (may be left out, never
 * null) and `@Nullable()` (null is a value), and its OpenAPI property agrees.
 */
describe('DTO nullability', () => {
  let dtos: Class[];

  beforeAll(async () => {
    dtos = await routeDtos();
  });

  it('finds the DTOs of both apps', () => {
    const names = dtos.map((dto) => dto.name);
    expect(names).toEqual(expect.arrayContaining(['CreateUserDto', 'UpdateOrgWorkspaceDto', 'CreateTenantDto']));
    expect(names.length).toBeGreaterThan(20);
  });

  it('no DTO uses a bare @IsOptional()', () => {
    const bare = dtos.flatMap((dto) =>
      validationOf(dto)
        .filter((metadata) => metadata.name === 'isOptional')
        .map((metadata) => `${dto.name}.${metadata.propertyName}`),
    );
    expect(bare).toEqual([]);
  });

  it('a field is @Nullable() exactly when its OpenAPI property says nullable', () => {
    const disagreements = dtos.flatMap((dto) => {
      const properties = [...new Set(validationOf(dto).map((metadata) => metadata.propertyName))];
      return properties
        .filter((property) => isNullableField(dto, property) !== (openApiProperty(dto, property)?.nullable === true))
        .map((property) => `${dto.name}.${property}`);
    });
    expect(disagreements).toEqual([]);
  });
});
