import { registerDecorator, type ValidationOptions } from 'class-validator';
import ipaddr from 'ipaddr.js';

/**
 * Comma-separated CIDR ranges (`127.0.0.0/8,::1/128`), empty for none: the
 * grammar of ipaddr.js's `parseCIDR`, which `OutboundPolicy` parses them
 * with at run time, so a value that passes here never fails there.
 */
export function IsCidrList(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCidrList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'must be comma-separated CIDR ranges such as 127.0.0.0/8,::1/128', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value
            .split(',')
            .map((entry) => entry.trim())
            .every((entry) => entry === '' || ipaddr.isValidCIDR(entry)),
      },
    });
}
