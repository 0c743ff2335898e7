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
          // As written, not as the WHATWG parser repairs it: no surrounding or inner white space or
          // control characters, and `scheme://` (the parser reads `http:/host` and `http:host` as `http://host`).
          if (typeof value !== 'string' || !/^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(value)) return false;
          try {
            const url = new URL(value);
            const portOk = url.port === '' || Number(url.port) > 0;
            return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && portOk;
          } catch {
            return false;
          }
        },
      },
    });
}
