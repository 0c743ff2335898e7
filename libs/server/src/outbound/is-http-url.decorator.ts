import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * The syntax of an outbound URL, checked with the body (`400
 * validation_failed` naming the field): a string the WHATWG URL parser reads
 * as an absolute `http:` or `https:` URL with a host. Whether it may be called
 * is the `OutboundPolicy`'s to say (`assertOutboundUrl`, `400
 * outbound_url_refused`); this parser is the one that check and `fetch` use,
 * so the three agree on what the URL means.
 */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be an absolute http: or https: URL', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
          } catch {
            return false;
          }
        },
      },
    });
}
