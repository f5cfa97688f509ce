/**
 * Checks that `request.code` is a whole AWS Encryption SDK message — header, every frame, and
 * the signature footer of signed suites — before anything calls KMS.
 *
 * Why by hand: the Encryption SDK only notices a truncated message while decrypting, i.e. after
 * the KMS call. The framing is public (header, then frames whose lengths are in the clear), and
 * the SDK's own serializer parses the header and frame headers here, so this walk adds no
 * format knowledge of its own beyond "frames follow the header, the footer follows the frames".
 */
import { deserializeFactory, decodeBodyHeader, type HeaderInfo } from '@aws-crypto/serialize';
import { NodeAlgorithmSuite } from '@aws-crypto/material-management-node';

const { deserializeMessageHeader } = deserializeFactory(
  (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  NodeAlgorithmSuite,
);

/**
 * Encrypted data keys accepted in one message. Cognito writes one; cognito-local writes two for the
 * same key (its keyring has a generator alias and a key id). Each one can cost a KMS call, so a
 * message stuffed with more is refused while its header is read, before any KMS call.
 */
export const MAX_ENCRYPTED_DATA_KEYS = 3;

/** Cognito sends one small frame; refuse absurd sizes instead of walking them. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_FRAMES = 64;

/** What the walk found: why the message is not whole, or its header and where its footer starts. */
export interface CiphertextShape {
  /** The message's bytes (`request.code` decoded). */
  message: Buffer;
  problem: string | undefined;
  /** The header as the Encryption SDK's own parser reads it (when there is no problem). */
  header?: HeaderInfo;
  /** Offset of the signature footer of a signed suite (when there is no problem). */
  footerStart?: number;
}

/** The last code read, so the event check and the decrypt of one invocation read it once. */
let lastRead: { code: string; shape: CiphertextShape } | undefined;

/** Decodes `request.code` and walks it (memoised for the last code: one invocation reads it twice). */
export function readCiphertext(code: string): CiphertextShape {
  if (lastRead?.code === code) return lastRead.shape;
  const message = Buffer.from(code, 'base64');
  const shape = walkMessage(message);
  lastRead = { code, shape };
  return shape;
}

function walkMessage(message: Buffer): CiphertextShape {
  const problem = (text: string): CiphertextShape => ({ message, problem: text });
  if (message.byteLength > MAX_MESSAGE_BYTES) return problem(`is too large (${message.byteLength} bytes) to be a Cognito code`);
  if (message[0] !== 0x01 && message[0] !== 0x02) {
    return problem('is not an AWS Encryption SDK message (unknown format version); pass request.code exactly as Cognito sent it');
  }
  let headerInfo: HeaderInfo | false;
  try {
    headerInfo = deserializeMessageHeader(message, { maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS });
  } catch (error) {
    if ((error as Error).message.includes('maxEncryptedDataKeys')) {
      return problem(`carries more than ${MAX_ENCRYPTED_DATA_KEYS} encrypted data keys (Cognito writes one); refused before any KMS call`);
    }
    return problem(`is not a valid AWS Encryption SDK message (${(error as Error).message})`);
  }
  if (!headerInfo) return problem('is truncated (the message header is incomplete)');

  let readPos = headerInfo.headerLength + headerInfo.headerAuth.headerAuthLength;
  for (let frames = 0; ; frames++) {
    if (frames >= MAX_FRAMES) return problem('has too many frames to be a Cognito code');
    let body;
    try {
      body = decodeBodyHeader(message, headerInfo, readPos);
    } catch (error) {
      return problem(`is not a valid AWS Encryption SDK message (${(error as Error).message})`);
    }
    if (!body) return problem('is truncated (a frame header is incomplete)');
    // The suite states its tag length in bits.
    readPos = body.readPos + body.contentLength + body.tagLength / 8;
    if (readPos > message.byteLength) return problem('is truncated (a frame is incomplete)');
    if (body.isFinalFrame) break;
  }

  const footerStart = readPos;
  if (headerInfo.algorithmSuite.signatureCurve) {
    if (readPos + 2 > message.byteLength) return problem('is truncated (the signature is missing)');
    const signatureLength = message.readUInt16BE(readPos);
    readPos += 2 + signatureLength;
    if (readPos > message.byteLength) return problem('is truncated (the signature is incomplete)');
  }
  if (readPos !== message.byteLength) return problem('has trailing bytes after the message');
  return { message, problem: undefined, header: headerInfo, footerStart };
}
