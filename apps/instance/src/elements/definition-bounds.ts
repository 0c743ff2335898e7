/**
 * Bounds on a definition (and on a customisation): every read merges and
 * walks one, per tenant, so their cost must stay small and predictable. The
 * same bounds hold for universe elements on the Hub, hence they live in
 * `@switchboard/contracts` (universe/element-definition.ts).
 */
export { definitionProblem, IsDefinition, MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH } from '@switchboard/contracts';
