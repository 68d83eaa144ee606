import { ReservationLineEntity } from './reservation-line.entity';
import { ReservationEntity } from './reservation.entity';
import { StockMovementEntity } from './stock-movement.entity';
import { StockEntity } from './stock.entity';

/** Every TypeORM entity of the inventory database. */
export const entities = [StockEntity, StockMovementEntity, ReservationEntity, ReservationLineEntity];
