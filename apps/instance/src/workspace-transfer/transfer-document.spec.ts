import { ELEMENT_TYPE_NAMES } from '../elements/element-type.js';
import {
  byTypeAndKey,
  documentProblems,
  type ExportedRevision,
  type ExportedTenant,
  serializeDocument,
  shapeProblems,
  TRANSFER_FORMAT,
  TRANSFER_VERSION,
  type TransferDocument,
} from './transfer-document.js';

const document = (change: Partial<TransferDocument> = {}): TransferDocument => ({
  format: TRANSFER_FORMAT,
  version: TRANSFER_VERSION,
  settings: { tenantFieldSchema: null },
  integrations: [],
  elements: [],
  ...change,
});

describe('the transfer document', () => {
  it('serialises equal content to equal bytes whatever the key order', () => {
    const a = document({
      settings: { tenantFieldSchema: { type: 'object', properties: { b: {}, a: {} } } },
      integrations: [
        {
          key: 'k',
          name: 'N',
          authType: 'none',
          clientId: null,
          settings: { z: 1, a: 2 },
          connectorKey: null,
          archived: false,
        },
      ],
    });
    const b = JSON.parse(
      '{"integrations":[{"archived":false,"connectorKey":null,"settings":{"a":2,"z":1},"clientId":null,"authType":"none","name":"N","key":"k"}],' +
        '"elements":[],"version":2,"settings":{"tenantFieldSchema":{"properties":{"a":{},"b":{}},"type":"object"}},' +
        `"format":"${TRANSFER_FORMAT}"}`,
    );
    expect(serializeDocument(b)).toBe(serializeDocument(a));
    expect(serializeDocument(a)).toMatch(/^\{"elements":\[\],"format":/);
  });

  it('accepts every element type, and orders by type then key in code-unit order', () => {
    const elements = ELEMENT_TYPE_NAMES.map((type) => ({
      type,
      key: 'k',
      parentKey: null,
      archived: false,
      publishedRevision: 1,
      revisions: [{ revision: 1, name: 'N', definition: {} }],
    }));
    expect(shapeProblems(document({ elements }))).toEqual([]);
    expect(
      [
        { type: 'flow', key: 'b' },
        { type: 'action', key: 'b' },
        { type: 'action', key: 'B' },
        { type: 'action', key: 'a' },
      ].sort(byTypeAndKey),
    ).toEqual([
      { type: 'action', key: 'B' },
      { type: 'action', key: 'a' },
      { type: 'action', key: 'b' },
      { type: 'flow', key: 'b' },
    ]);
  });

  it('names the path of what is wrong', () => {
    expect(shapeProblems({ ...document(), version: 7 })).toEqual([
      { path: '/version', message: expect.stringContaining('unknown version 7') },
    ]);
    expect(shapeProblems({ ...document(), format: 'x' })).toEqual([{ path: '/format', message: expect.any(String) }]);
    expect(shapeProblems(null)).toEqual([expect.objectContaining({ path: '/' })]);
    expect(
      shapeProblems({
        ...document(),
        elements: [
          {
            type: 'action',
            key: 'k',
            parentKey: null,
            archived: false,
            publishedRevision: 1,
            revisions: [{ revision: 1, name: '', definition: {} }],
          },
        ],
      }),
    ).toEqual([expect.objectContaining({ path: '/elements/0/revisions/0/name' })]);
    const revisions = [
      { revision: 1, name: 'N', definition: {} },
      { revision: 1, name: 'N', definition: {} },
    ];
    expect(
      documentProblems(
        document({
          elements: [{ type: 'action', key: 'k', parentKey: null, archived: false, publishedRevision: 1, revisions }],
        }),
      ),
    ).toEqual([{ path: '/elements/0/revisions/1/revision', message: expect.stringContaining('ascending') }]);
  });

  it('checks published revisions, tenant-level keys and canary pins against the templates of the document', () => {
    const history: ExportedRevision[] = [
      { revision: 1, name: 'N', definition: {} },
      { revision: 3, name: 'N', definition: { v: 3 } },
    ];
    const template = { type: 'flow' as const, key: 'f', parentKey: null, archived: false, revisions: history };
    const tenant = {
      internalId: 't',
      parentInternalId: null,
      name: 'T',
      fields: {},
      isTest: false,
      aiCreditsRolling30DayLimit: null,
      archived: false,
      customizations: [{ type: 'action' as const, key: 'only-in-the-universe', definition: {} }],
      elements: [{ ...template, key: 'mine' }],
      deployments: [{ type: 'flow' as const, key: 'f', revision: 3 }],
      subscriptions: [],
    };
    const valid = document({ elements: [{ ...template, publishedRevision: 1 }], tenants: [tenant] });
    expect(shapeProblems(valid)).toEqual([]);
    // A customisation may name a key the document does not hold (a universe element's).
    expect(documentProblems(valid)).toEqual([]);
    expect(documentProblems({ ...valid, elements: [{ ...template, publishedRevision: 2 }], tenants: [] })).toEqual([
      { path: '/elements/0/publishedRevision', message: expect.any(String) },
    ]);
    expect(
      documentProblems({ ...valid, tenants: [{ ...tenant, elements: [{ ...template }] }] }).map((p) => p.path),
    ).toEqual(['/tenants/0/elements/0/key']);
    const pinned = (deployments: typeof tenant.deployments) =>
      documentProblems({ ...valid, tenants: [{ ...tenant, deployments }] }).map((p) => p.path);
    expect(pinned([{ type: 'flow', key: 'mine', revision: 1 }])).toEqual(['/tenants/0/deployments/0/key']);
    expect(pinned([{ type: 'flow', key: 'f', revision: 2 }])).toEqual(['/tenants/0/deployments/0/revision']);
    expect(pinned([{ type: 'flow', key: 'f', revision: 1 }])).toEqual(['/tenants/0/deployments/0/revision']);
    expect(shapeProblems({ ...valid, elements: [template] })).toEqual([
      { path: '/elements/0/publishedRevision', message: 'is required' },
    ]);
  });

  describe('linked tenants and subscriptions (version 2)', () => {
    const tenant = (internalId: string, parentInternalId: string | null): ExportedTenant => ({
      internalId,
      parentInternalId,
      name: internalId.toUpperCase(),
      fields: {},
      isTest: false,
      aiCreditsRolling30DayLimit: null,
      archived: false,
      customizations: [],
      elements: [],
      deployments: [],
      subscriptions: [],
    });
    const linked = (...tenants: ExportedTenant[]) => documentProblems(document({ tenants }));

    it('takes parents named within the document, whatever their order, and one parent with several children', () => {
      const tenants = [tenant('child', 'parent'), tenant('parent', null), tenant('other', 'parent')];
      expect(shapeProblems(document({ tenants }))).toEqual([]);
      expect(linked(...tenants)).toEqual([]);
    });

    it('names an unknown parent, a chain deeper than one level, and each tenant of a cycle', () => {
      expect(linked(tenant('a', 'nobody'))).toEqual([
        { path: '/tenants/0/parentInternalId', message: 'names no tenant of the document ("nobody")' },
      ]);
      expect(linked(tenant('a', null), tenant('b', 'a'), tenant('c', 'b'))).toEqual([
        { path: '/tenants/2/parentInternalId', message: expect.stringContaining('"b", which has a parent itself') },
      ]);
      expect(linked(tenant('a', 'a'))).toEqual([
        { path: '/tenants/0/parentInternalId', message: 'links tenants in a cycle: "a" → "a"' },
      ]);
      expect(linked(tenant('a', 'b'), tenant('b', 'a'))).toEqual([
        { path: '/tenants/0/parentInternalId', message: 'links tenants in a cycle: "a" → "b" → "a"' },
        { path: '/tenants/1/parentInternalId', message: 'links tenants in a cycle: "b" → "a" → "b"' },
      ]);
      // A tenant pointing into a cycle it is not part of is one level too deep, not a cycle of its own.
      expect(linked(tenant('a', 'b'), tenant('b', 'c'), tenant('c', 'b')).map((p) => p.message)).toEqual([
        expect.stringContaining('has a parent itself'),
        expect.stringContaining('cycle: "b" → "c" → "b"'),
        expect.stringContaining('cycle: "c" → "b" → "c"'),
      ]);
    });

    it('requires the parent and subscriptions in version 2, checks their shape, and refuses them in version 1', () => {
      const { parentInternalId: _, subscriptions: __, ...v1 } = tenant('t', null);
      expect(shapeProblems(document({ tenants: [v1] }))).toEqual([
        { path: '/tenants/0/parentInternalId', message: 'is required' },
        { path: '/tenants/0/subscriptions', message: 'is required' },
      ]);
      expect(shapeProblems({ ...document({ tenants: [v1] }), version: 1 })).toEqual([]);
      expect(shapeProblems({ ...document({ tenants: [tenant('t', null)] }), version: 1 })).toEqual([
        { path: '/tenants/0/parentInternalId', message: 'is not a known field' },
        { path: '/tenants/0/subscriptions', message: 'is not a known field' },
      ]);
      const subscribed = (subscriptions: unknown[]) =>
        shapeProblems(document({ tenants: [{ ...tenant('t', null), subscriptions } as ExportedTenant] }));
      expect(subscribed([{ eventType: 'tenant.created', webhookUri: 'https://example.com/hook' }])).toEqual([]);
      expect(subscribed([{ eventType: 'tenant.exploded', webhookUri: 'https://example.com/hook' }])).toEqual([
        expect.objectContaining({ path: '/tenants/0/subscriptions/0/eventType' }),
      ]);
      for (const webhookUri of ['ftp://example.com', 'https://exa mple.com', 'https://x\u0000', '']) {
        expect(new Set(subscribed([{ eventType: 'tenant.created', webhookUri }]).map((p) => p.path))).toEqual(
          new Set(['/tenants/0/subscriptions/0/webhookUri']),
        );
      }
      expect(
        subscribed([{ eventType: 'tenant.created', webhookUri: 'https://example.com/hook', secret: 'x' }]),
      ).toEqual([{ path: '/tenants/0/subscriptions/0/secret', message: 'is not a known field' }]);
      // The same subscription twice is two subscriptions (a tenant may hold both), not a duplicate key.
      const twice = {
        ...tenant('t', null),
        subscriptions: Array(2).fill({ eventType: 'tenant.created', webhookUri: 'https://e.com' }),
      };
      expect(documentProblems(document({ tenants: [twice] }))).toEqual([]);
    });
  });
});
