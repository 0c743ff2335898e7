import { Module } from '@nestjs/common';

import { notSupportedController } from './not-supported.controller.js';

/** What Switchboard answers for the parts of Membrane's API it does not serve. */
@Module({ controllers: [notSupportedController()] })
export class MembraneCompatModule {}
