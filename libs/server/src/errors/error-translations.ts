import type { DomainException } from './domain.exception.js';

/**
 * Turns an error a service recognises (by SQLSTATE, say) into the
 * DomainException its caller gets; undefined for any other error.
 */
export type ErrorTranslation = (error: unknown) => DomainException | undefined;

const translations: ErrorTranslation[] = [];

/**
 * Declares how a service's own errors are answered, wherever they are thrown
 * (a handler, a guard, a NATS handler): ProblemJsonFilter asks these first.
 * Each app declares its translations once, at start-up (PlatformModule's
 * `errorTranslations`); declaring one twice keeps one. An exception filter
 * rather than a global interceptor, which would put every request, failing or
 * not, through an Observable chain.
 */
export function declareErrorTranslations(list: readonly ErrorTranslation[]): void {
  for (const translation of list) if (!translations.includes(translation)) translations.push(translation);
}

/** The DomainException a declared translation makes of `error`, or undefined when none recognises it. */
export function translatedError(error: unknown): DomainException | undefined {
  for (const translation of translations) {
    const translated = translation(error);
    if (translated !== undefined) return translated;
  }
  return undefined;
}
