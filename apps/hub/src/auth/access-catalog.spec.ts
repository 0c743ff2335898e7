import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { Public } from '@switchboard/server';

import { Access, orgIn, orgOfWorkspaceIn } from './access.decorator.js';
import { AccessCatalog } from './access-catalog.js';

@Controller('things')
class DeclaredController {
  @Access('any user')
  @Get()
  list(): string[] {
    return [];
  }

  @Access('org owner', orgIn.param('orgId'))
  @Post(':orgId/items')
  add(@Param('orgId') orgId: string): string {
    return orgId;
  }

  @Access('org member', orgOfWorkspaceIn('id'))
  @Get('workspaces/:id')
  workspace(@Param('id') id: string): string {
    return id;
  }

  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }
}

@Controller('forgotten')
class UndeclaredController {
  @Access('any user')
  @Get()
  declared(): string {
    return 'declared';
  }

  @Post()
  undeclared(): string {
    return 'nobody said who may';
  }
}

@Controller('misnamed/:orgId')
class MisnamedController {
  @Access('org owner or admin', orgIn.param('id'))
  @Get()
  get(): string {
    return 'which org?';
  }
}

async function boot(...controllers: (new () => unknown)[]): Promise<AccessCatalog> {
  @Module({ imports: [DiscoveryModule], controllers, providers: [AccessCatalog] })
  class TestModule {}
  const context = await NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false });
  const catalog = context.get(AccessCatalog);
  await context.close();
  return catalog;
}

describe('AccessCatalog', () => {
  it('lists every route with the rule its decorators declare', async () => {
    const sut = await boot(DeclaredController);

    expect(sut.list()).toEqual([
      { method: 'GET', path: '/things', access: { rule: 'any user' } },
      { method: 'GET', path: '/things/open', access: 'public' },
      {
        method: 'GET',
        path: '/things/workspaces/:id',
        access: { rule: 'org member', org: { source: 'param', name: 'id', via: 'org workspace' } },
      },
      {
        method: 'POST',
        path: '/things/:orgId/items',
        access: { rule: 'org owner', org: { source: 'param', name: 'orgId', via: 'org' } },
      },
    ]);
  });

  it('refuses to boot with a route that declares neither @Access nor @Public (deny by default)', async () => {
    await expect(boot(DeclaredController, UndeclaredController)).rejects.toThrow(
      /POST \/forgotten: declares neither @Access\(\.\.\.\) nor @Public\(\)/,
    );
  });

  it('refuses to boot with an org rule that names a path parameter the route does not have', async () => {
    await expect(boot(MisnamedController)).rejects.toThrow(/GET \/misnamed\/:orgId: .*:id the route does not have/);
  });
});
