import { ELEMENT_TYPE_NAMES } from '../elements/element-type.js';
import {
  byTypeAndKey,
  documentProblems,
  type ExportedRevision,
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
        '"elements":[],"version":1,"settings":{"tenantFieldSchema":{"properties":{"a":{},"b":{}},"type":"object"}},' +
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
      name: 'T',
      fields: {},
      isTest: false,
      aiCreditsRolling30DayLimit: null,
      archived: false,
      customizations: [{ type: 'action' as const, key: 'only-in-the-universe', definition: {} }],
      elements: [{ ...template, key: 'mine' }],
      deployments: [{ type: 'flow' as const, key: 'f', revision: 3 }],
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
});
