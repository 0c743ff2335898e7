import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

import { type IntegrationSelector, IntegrationSelectorPipe } from '../integrations/integration-selector.pipe.js';
import { CurrentPrincipal } from '../workspaces/current-principal.decorator.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { ElementsService } from './elements.service.js';

/**
 * `GET /integrations/{idOrKey}/connector-spec`, Membrane SDK's
 * `integration(key).getConnectorSpec()`: the `spec` of the connector the
 * integration names (`connectorKey`), as the caller reads that connector.
 */
@ApiTags('integrations')
@ApiBearerAuth()
@Controller('integrations')
export class ConnectorSpecController {
  constructor(private readonly elements: ElementsService) {}

  @Get(':idOrKey/connector-spec')
  @ApiOperation({
    summary: "The spec of the integration's connector",
    description:
      "Any token. The `spec` object of the definition of the connector the integration names by `connectorKey`, resolved as `GET /connectors/{key}` resolves it for the caller (a workspace connector over its universe parent, else the universe's; a tenant's customisation and placeholders apply). 404 when the integration does not exist, names no connector, or its connector's definition holds no `spec` object.",
  })
  @ApiParam({ name: 'idOrKey', description: "The integration's id or key." })
  @ApiOkResponse({
    schema: {
      type: 'object',
      additionalProperties: true,
      description: "The connector's `spec`, as its definition holds it.",
    },
  })
  get(
    @CurrentPrincipal() principal: WorkspacePrincipal,
    @Param('idOrKey', IntegrationSelectorPipe) selector: IntegrationSelector,
  ): Promise<Record<string, unknown>> {
    return this.elements.connectorSpec(principal, selector);
  }
}
