import { loadConfig } from '@switchboard/config';
import { setupServiceDatabase } from '@switchboard/persistence';

import { HubConfig } from './config.js';
import { HUB_MIGRATIONS } from './migrations/index.js';

await setupServiceDatabase('hub', () => loadConfig(HubConfig), HUB_MIGRATIONS);
