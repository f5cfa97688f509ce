/**
 * Provider error texts sometimes quote the recipient. `ProviderError` masks them itself; this
 * re-export is for providers that build texts before the error exists.
 */
export { redactContacts } from '../../observability/mask.ts';
