/**
 * The idempotency store and SMS counters in one DynamoDB table, with plain conditional writes
 * (the low-level client only, no document client: this chunk is loaded only when
 * `IDEMPOTENCY_TABLE` is set).
 *
 * Table: partition key `id` (String); enable TTL on the `expiration` attribute (epoch seconds).
 * The same layout as Powertools Idempotency's default table, so an existing one can be reused.
 *
 * Items:
 * - `delivery#<requestKey>`: `status` IN_PROGRESS | COMPLETED, `lease` (the claimer's random
 *   token), `in_progress_expiration` (epoch ms), `provider`, `message_id`, `expiration`.
 *   `requestKey` is the relay's sha256 of pool, user, trigger and the *encrypted* code.
 * - `sms#<HMAC-SHA256(salt, number)>#<hour>`: `count`, `expiration`.
 * - `config#sms-counter-salt`: `salt` (Binary, 32 random bytes), no expiration: the key of the
 *   counters, created by the first instance that needs it (sms-guard.ts says why).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { COMPLETED_TTL_SECONDS, type ClaimResult, type IdempotencyStore, type RequestRecord } from './store.ts';

export interface DynamoStoreOptions {
  table: string;
  region?: string | undefined;
  /** `AWS_ENDPOINT_URL_DYNAMODB` (tests, local emulators); the SDK's default otherwise. */
  endpoint?: string | undefined;
  client?: DynamoDBClient;
}

const HOUR_SECONDS = 3600;

function str(item: Record<string, AttributeValue> | undefined, name: string): string | undefined {
  const value = item?.[name];
  return value && 'S' in value ? value.S : undefined;
}

function num(item: Record<string, AttributeValue> | undefined, name: string): number | undefined {
  const value = item?.[name];
  return value && 'N' in value && value.N !== undefined ? Number(value.N) : undefined;
}

const requestId = (key: string) => ({ id: { S: `delivery#${key}` } });
const SALT_ID = { id: { S: 'config#sms-counter-salt' } };
const counterId = (numberKey: string, now: number) => ({ id: { S: `sms#${numberKey}#${Math.floor(now / 1000 / HOUR_SECONDS)}` } });

/**
 * @example
 * const store = createDynamoStore({ table: 'cognito-relay-idempotency', region: 'eu-west-1' });
 */
export function createDynamoStore(options: DynamoStoreOptions): IdempotencyStore {
  const client =
    options.client ??
    new DynamoDBClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // Delivery has its own deadline; one quick SDK retry is enough.
      maxAttempts: 2,
    });
  const TableName = options.table;
  const abortable = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

  async function read(key: string, signal?: AbortSignal): Promise<RequestRecord | undefined> {
    const { Item } = await client.send(new GetItemCommand({ TableName, Key: requestId(key), ConsistentRead: true }), abortable(signal));
    if (!Item) return undefined;
    return {
      status: str(Item, 'status') === 'COMPLETED' ? 'COMPLETED' : 'IN_PROGRESS',
      provider: str(Item, 'provider'),
      messageId: str(Item, 'message_id'),
      leaseUntil: num(Item, 'in_progress_expiration'),
    };
  }

  return {
    async claim(key, { leaseUntil, now, signal }): Promise<ClaimResult> {
      const token = randomUUID();
      const nowSeconds = Math.floor(now / 1000);
      // A record that vanished between our failed put and our read (its claimer released it)
      // is simply claimed again.
      for (let round = 0; round < 3; round += 1) {
        try {
          await client.send(
            new PutItemCommand({
              TableName,
              Item: {
                ...requestId(key),
                status: { S: 'IN_PROGRESS' },
                lease: { S: token },
                in_progress_expiration: { N: String(leaseUntil) },
                expiration: { N: String(nowSeconds + COMPLETED_TTL_SECONDS) },
              },
              // TTL deletion lags by up to days, so an expired record counts as absent.
              ConditionExpression:
                'attribute_not_exists(id) OR expiration < :nowSeconds OR (#status = :inProgress AND in_progress_expiration < :now)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':nowSeconds': { N: String(nowSeconds) },
                ':now': { N: String(now) },
                ':inProgress': { S: 'IN_PROGRESS' },
              },
            }),
            abortable(signal),
          );
          return { claimed: true, token };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        const record = await read(key, signal);
        if (record) return { claimed: false, record };
      }
      throw new Error('the idempotency record kept changing while claiming it');
    },

    async complete(key, token, delivered, { now, signal }) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName,
            Key: requestId(key),
            UpdateExpression:
              'SET #status = :completed, provider = :provider, message_id = :messageId, completed_at = :now, expiration = :expiration REMOVE in_progress_expiration',
            ConditionExpression: 'lease = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':completed': { S: 'COMPLETED' },
              ':provider': { S: delivered.provider },
              ':messageId': { S: delivered.messageId ?? '' },
              ':now': { N: String(now) },
              ':expiration': { N: String(Math.floor(now / 1000) + COMPLETED_TTL_SECONDS) },
              ':token': { S: token },
            },
          }),
          abortable(signal),
        );
      } catch (error) {
        // Our lease ran out and another invocation took over: its own outcome will be recorded.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async release(key, token, options = {}) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName,
            Key: requestId(key),
            ConditionExpression: 'lease = :token',
            ExpressionAttributeValues: { ':token': { S: token } },
          }),
          abortable(options.signal),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async countSms(numberKey, max, { now, signal }) {
      const hour = Math.floor(now / 1000 / HOUR_SECONDS);
      try {
        await client.send(
          new UpdateItemCommand({
            TableName,
            Key: counterId(numberKey, now),
            UpdateExpression: 'ADD #count :one SET expiration = :expiration',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':max': { N: String(max) },
              ':expiration': { N: String((hour + 2) * HOUR_SECONDS) },
            },
          }),
          abortable(signal),
        );
        return { allowed: true };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return { allowed: false };
        throw error;
      }
    },

    async uncountSms(numberKey, { now, signal }) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName,
            Key: counterId(numberKey, now),
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: '#count > :zero',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':zero': { N: '0' } },
          }),
          abortable(signal),
        );
      } catch (error) {
        // Nothing left to take back (the counter expired, or was never written).
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async counterSalt({ signal }) {
      const read = async () => {
        const { Item } = await client.send(new GetItemCommand({ TableName, Key: SALT_ID, ConsistentRead: true }), abortable(signal));
        const value = Item?.salt;
        return value && 'B' in value ? value.B : undefined;
      };
      const existing = await read();
      if (existing) return existing;
      const salt = randomBytes(32);
      try {
        await client.send(
          new PutItemCommand({ TableName, Item: { ...SALT_ID, salt: { B: salt } }, ConditionExpression: 'attribute_not_exists(id)' }),
          abortable(signal),
        );
        return salt;
      } catch (error) {
        // Another instance created it first: use theirs.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const theirs = await read();
      if (!theirs) throw new Error('the SMS counter salt was neither readable nor writable');
      return theirs;
    },

    close() {
      if (!options.client) client.destroy();
    },
  };
}
