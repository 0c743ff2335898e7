import { loadConfig } from '@switchboard/config';
import { setupServiceDatabase } from '@switchboard/persistence';

import { InstanceConfig } from './config.js';
import { INSTANCE_MIGRATIONS } from './migrations/index.js';

await setupServiceDatabase('instance', () => loadConfig(InstanceConfig), INSTANCE_MIGRATIONS);
