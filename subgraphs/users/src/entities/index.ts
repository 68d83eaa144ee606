import { AccountTokenEntity } from './account-token.entity';
import { AddressEntity } from './address.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { UserEntity } from './user.entity';

/** Every TypeORM entity of the users database. */
export const entities = [UserEntity, AddressEntity, RefreshTokenEntity, SigningKeyEntity, AccountTokenEntity];
