import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';

import { createValidationPipe } from './validation.pipe.js';

describe('createValidationPipe', () => {
  const sut = createValidationPipe();
  const nest = new ValidationPipe({ transform: true });

  it("answers a string path parameter as Nest's ValidationPipe does (the same string)", async () => {
    for (const value of ['8e1b6c0e-8f5e-4d59-a0a8-1e2b3c4d5e6f', '', 'not-a-uuid', 'é 𝄞']) {
      for (const data of ['id', undefined]) {
        const metadata: ArgumentMetadata = { type: 'param', metatype: String, data };
        await expect(sut.transform(value, metadata)).resolves.toBe(await nest.transform(value, metadata));
      }
    }
  });

  it("still converts other path parameters as Nest's pipe does", async () => {
    const asNumber: ArgumentMetadata = { type: 'param', metatype: Number, data: 'n' };
    await expect(sut.transform('42', asNumber)).resolves.toBe(42);
    const asBoolean: ArgumentMetadata = { type: 'param', metatype: Boolean, data: 'b' };
    await expect(sut.transform('true', asBoolean)).resolves.toBe(true);
  });
});
