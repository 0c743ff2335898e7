import { IsString, Length } from 'class-validator';

/**
 * Why an instance refused a snapshot; the Hub shows the workspace's sync as
 * `failed` with the message as `lastError`.
 */
export enum SnapshotRefusalCode {
  /** Unsigned, signed with a key not in `HUB_PUBLIC_KEY`, signed for another instance, or altered after signing. */
  SignatureInvalid = 'snapshot_signature_invalid',
  /** A sealed secret is under a key that the instance's `ENCRYPTION_KEYS` lacks. */
  KeyringMismatch = 'keyring_mismatch',
}

/**
 * The error reply of any request over NATS: a stable `code` (a
 * `SnapshotRefusalCode` or an HTTP problem code such as `validation_failed`)
 * and a sentence for people. Services send the whole problem (which also has
 * `status`, `title`, `detail`); these two fields are what a requester may rely on.
 */
export class ErrorReply {
  @IsString() @Length(1, 100) code!: string;
  @IsString() message!: string;
}
