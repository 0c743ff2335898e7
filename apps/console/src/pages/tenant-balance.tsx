import { useEffect, useState } from 'preact/hooks';

import { ProblemError, seg } from '../core/api';
import type { InstanceClient } from '../core/instance';
import { toProblemError } from '../core/paging';
import { ActionButton, ProblemView, when } from '../ui/components';
import type { Balance } from './types';

/**
 * A tenant's prepaid balance (`GET /tenants/{id}/balance`; `null`: not prepaid) and, for those who may
 * (`canTopUp`: admin tokens), a top-up (`POST /tenants/{id}/balance/top-ups {credits, reference}`,
 * idempotent by reference: the same reference again adds nothing). API.md, "Prepaid balance".
 */
export function BalanceSection({
  client,
  tenantId,
  canTopUp,
}: {
  client: InstanceClient;
  tenantId: string;
  canTopUp: boolean;
}) {
  const path = `/tenants/${seg(tenantId)}/balance`;
  const [balance, setBalance] = useState<Balance | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  const [tick, setTick] = useState(0);
  const [credits, setCredits] = useState('');
  const [reference, setReference] = useState('');
  const [done, setDone] = useState<string | undefined>();
  useEffect(() => {
    client
      .request<Balance>('GET', path)
      .then((found) => (setBalance(found), setError(undefined)))
      .catch((caught: unknown) => setError(toProblemError(caught)));
  }, [client, path, tick]);
  return (
    <section aria-label="balance">
      <h2>Prepaid balance</h2>
      <ProblemView error={error} />
      {balance && (
        <p data-testid="balance">
          {balance.balance === null
            ? 'Not prepaid (no balance; usage is capped only by its limits)'
            : `${balance.balance} credits left (updated ${when(balance.updatedAt)})`}
        </p>
      )}
      {canTopUp && (
        <form class="inline" onSubmit={(event) => event.preventDefault()}>
          <label>
            Credits
            <input
              name="credits"
              type="number"
              min={1}
              step={1}
              value={credits}
              onInput={(event) => setCredits(event.currentTarget.value)}
            />
          </label>
          <label>
            Reference (invoice or payment id)
            <input name="reference" value={reference} onInput={(event) => setReference(event.currentTarget.value)} />
          </label>
          <ActionButton
            label="Top up"
            run={async () => {
              setDone(undefined);
              const amount = Number(credits);
              if (credits.trim() === '' || !Number.isFinite(amount)) {
                throw new ProblemError({
                  status: 0,
                  title: 'Credits missing',
                  detail: 'Enter how many credits to add.',
                });
              }
              const topUp = await client.request<{ credits: number; balance: number; reference: string }>(
                'POST',
                `${path}/top-ups`,
                { body: { credits: amount, reference } },
              );
              setDone(`Added ${topUp.credits} credits (reference ${topUp.reference}); balance ${topUp.balance}.`);
              setCredits('');
              setReference('');
              setTick((value) => value + 1);
            }}
          />
        </form>
      )}
      {done && <p role="status">{done}</p>}
    </section>
  );
}
