import { decide, ORDER_STATUSES, type OrderStatus, type SagaDecision, type SagaInput } from './order-saga';

type Row = [OrderStatus, SagaInput, Partial<SagaDecision>];

const owner: SagaInput = { type: 'CancelRequested', by: 'OWNER' };
const admin: SagaInput = { type: 'CancelRequested', by: 'ADMIN' };

/** Every transition that changes the status, with its compensations. */
const transitions: Row[] = [
  ['PENDING', { type: 'StockReserved' }, { status: 'AWAITING_PAYMENT', commands: ['AuthorizePayment'], deadline: 'payment' }],
  ['PENDING', { type: 'StockReservationFailed' }, { status: 'CANCELLED', reason: 'OUT_OF_STOCK', commands: [], deadline: null }],
  ['PENDING', { type: 'ReservationTimedOut' }, { status: 'CANCELLED', reason: 'TIMED_OUT', note: 'TIMED_OUT: stock reservation', commands: ['ReleaseStock'], deadline: null }],
  ['PENDING', owner, { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', commands: ['ReleaseStock'] }],
  ['PENDING', admin, { status: 'CANCELLED', reason: 'ADMIN', commands: ['ReleaseStock'] }],
  ['AWAITING_PAYMENT', { type: 'PaymentCaptured' }, { status: 'CONFIRMED', commands: ['CommitStock'], paymentCaptured: true, deadline: null }],
  ['AWAITING_PAYMENT', { type: 'PaymentDeclined' }, { status: 'CANCELLED', reason: 'PAYMENT_DECLINED', commands: ['ReleaseStock'] }],
  ['AWAITING_PAYMENT', { type: 'PaymentFailed' }, { status: 'CANCELLED', reason: 'PAYMENT_FAILED', commands: ['ReleaseStock'] }],
  ['AWAITING_PAYMENT', { type: 'PaymentTimedOut' }, { status: 'CANCELLED', reason: 'TIMED_OUT', note: 'TIMED_OUT: payment', commands: ['ReleaseStock', 'RefundPayment'] }],
  ['AWAITING_PAYMENT', owner, { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', commands: ['ReleaseStock', 'RefundPayment'] }],
  ['CONFIRMED', owner, { status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', commands: ['RefundPayment', 'ReleaseStock'] }],
  ['CONFIRMED', admin, { status: 'CANCELLED', reason: 'ADMIN', commands: ['RefundPayment', 'ReleaseStock'] }],
  ['CONFIRMED', { type: 'ShipRequested' }, { status: 'SHIPPED', commands: [] }],
  ['SHIPPED', { type: 'DeliverRequested' }, { status: 'DELIVERED', commands: [] }],
  ['CONFIRMED', { type: 'ShipmentsShipped' }, { status: 'SHIPPED', commands: [], note: 'every line shipped' }],
  ['SHIPPED', { type: 'ShipmentsDelivered' }, { status: 'DELIVERED', commands: [], note: 'every shipment delivered' }],
];

/** Late inputs that change no status but must compensate. */
const compensations: Row[] = [
  ['CANCELLED', { type: 'StockReserved' }, { commands: ['ReleaseStock'] }],
  ['CANCELLED', { type: 'PaymentCaptured' }, { commands: ['RefundPayment'], paymentCaptured: true }],
];

/** Duplicate, late or impossible inputs: no change, no command. */
const ignored: Row[] = [
  ['AWAITING_PAYMENT', { type: 'StockReserved' }, {}],
  ['CONFIRMED', { type: 'StockReserved' }, {}],
  ['AWAITING_PAYMENT', { type: 'StockReservationFailed' }, {}],
  ['CANCELLED', { type: 'StockReservationFailed' }, {}],
  ['PENDING', { type: 'PaymentCaptured' }, {}],
  ['CONFIRMED', { type: 'PaymentCaptured' }, {}],
  ['SHIPPED', { type: 'PaymentCaptured' }, {}],
  ['PENDING', { type: 'PaymentDeclined' }, {}],
  ['CANCELLED', { type: 'PaymentDeclined' }, {}],
  ['CONFIRMED', { type: 'PaymentDeclined' }, {}],
  ['CANCELLED', { type: 'PaymentFailed' }, {}],
  ['AWAITING_PAYMENT', { type: 'ReservationTimedOut' }, {}],
  ['CANCELLED', { type: 'ReservationTimedOut' }, {}],
  ['PENDING', { type: 'PaymentTimedOut' }, {}],
  ['CONFIRMED', { type: 'PaymentTimedOut' }, {}],
  ['CANCELLED', { type: 'PaymentTimedOut' }, {}],
  // Shipment events for an order already there (marked by hand, or a redelivery) or not shippable.
  ['SHIPPED', { type: 'ShipmentsShipped' }, {}],
  ['DELIVERED', { type: 'ShipmentsShipped' }, {}],
  ['CANCELLED', { type: 'ShipmentsShipped' }, {}],
  ['PENDING', { type: 'ShipmentsShipped' }, {}],
  ['DELIVERED', { type: 'ShipmentsDelivered' }, {}],
  ['CONFIRMED', { type: 'ShipmentsDelivered' }, {}],
  ['CANCELLED', { type: 'ShipmentsDelivered' }, {}],
];

const rejected: [OrderStatus, SagaInput, 'ORDER_NOT_CANCELLABLE' | 'CONFLICT'][] = [
  ['SHIPPED', owner, 'ORDER_NOT_CANCELLABLE'],
  ['SHIPPED', admin, 'ORDER_NOT_CANCELLABLE'],
  ['DELIVERED', admin, 'ORDER_NOT_CANCELLABLE'],
  ['CANCELLED', owner, 'ORDER_NOT_CANCELLABLE'],
  ['PENDING', { type: 'ShipRequested' }, 'CONFLICT'],
  ['AWAITING_PAYMENT', { type: 'ShipRequested' }, 'CONFLICT'],
  ['SHIPPED', { type: 'ShipRequested' }, 'CONFLICT'],
  ['CANCELLED', { type: 'ShipRequested' }, 'CONFLICT'],
  ['CONFIRMED', { type: 'DeliverRequested' }, 'CONFLICT'],
  ['DELIVERED', { type: 'DeliverRequested' }, 'CONFLICT'],
  ['CANCELLED', { type: 'DeliverRequested' }, 'CONFLICT'],
];

describe('order saga: decide', () => {
  it.each(transitions)('%s + %j moves the order on', (status, input, expected) => {
    const decision = decide({ status }, input);
    expect(decision).toMatchObject(expected);
    expect(decision.rejection).toBeUndefined();
    expect(decision.ignored).toBeUndefined();
  });

  it.each(compensations)('%s + late %j compensates without changing the status', (status, input, expected) => {
    const decision = decide({ status }, input);
    expect(decision.status).toBeUndefined();
    expect(decision).toMatchObject(expected);
    expect(decision.ignored).toEqual(expect.any(String));
  });

  it.each(ignored)('%s + %j changes nothing', (status, input) => {
    const decision = decide({ status }, input);
    expect(decision).toEqual({ commands: [], ignored: expect.any(String) });
  });

  it.each(rejected)('%s + %j is refused with %s', (status, input, code) => {
    const decision = decide({ status }, input);
    expect(decision.status).toBeUndefined();
    expect(decision.commands).toEqual([]);
    expect(decision.rejection).toEqual({ code, message: expect.any(String) });
  });

  it('answers every status and input without throwing', () => {
    const inputs: SagaInput[] = [
      { type: 'StockReserved' },
      { type: 'StockReservationFailed' },
      { type: 'PaymentCaptured' },
      { type: 'PaymentDeclined' },
      { type: 'PaymentFailed' },
      { type: 'ReservationTimedOut' },
      { type: 'PaymentTimedOut' },
      owner,
      admin,
      { type: 'ShipRequested' },
      { type: 'DeliverRequested' },
      { type: 'ShipmentsShipped' },
      { type: 'ShipmentsDelivered' },
    ];
    for (const status of ORDER_STATUSES) {
      for (const input of inputs) {
        const decision = decide({ status }, input);
        expect(Array.isArray(decision.commands)).toBe(true);
        // Never backwards: nothing leaves CANCELLED or DELIVERED.
        if (status === 'CANCELLED' || status === 'DELIVERED') expect(decision.status).toBeUndefined();
      }
    }
  });

  it('replays a whole saga with late and duplicate events out of order', () => {
    // Payment timed out, then the capture and a duplicate decline still arrive.
    const run = (inputs: SagaInput[]) => {
      let status: OrderStatus = 'PENDING';
      const trail: string[] = [];
      for (const input of inputs) {
        const d = decide({ status }, input);
        if (d.status) status = d.status;
        trail.push(`${input.type}:${d.status ?? '-'}:${d.commands.join('+')}`);
      }
      return { status, trail };
    };
    expect(
      run([{ type: 'StockReserved' }, { type: 'StockReserved' }, { type: 'PaymentTimedOut' }, { type: 'PaymentCaptured' }, { type: 'PaymentDeclined' }]),
    ).toEqual({
      status: 'CANCELLED',
      trail: [
        'StockReserved:AWAITING_PAYMENT:AuthorizePayment',
        'StockReserved:-:',
        'PaymentTimedOut:CANCELLED:ReleaseStock+RefundPayment',
        'PaymentCaptured:-:RefundPayment',
        'PaymentDeclined:-:',
      ],
    });
    // Reservation timed out, then inventory answers after all.
    expect(run([{ type: 'ReservationTimedOut' }, { type: 'StockReserved' }, { type: 'PaymentDeclined' }, { type: 'PaymentDeclined' }]).trail).toEqual([
      'ReservationTimedOut:CANCELLED:ReleaseStock',
      'StockReserved:-:ReleaseStock',
      'PaymentDeclined:-:',
      'PaymentDeclined:-:',
    ]);
  });
});
