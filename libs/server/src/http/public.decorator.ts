import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'switchboard:public';

/** Opts a route out of the global auth guard. Every other route requires auth. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
