import { loadConfig } from '#libs/config/app-config.js';
import { ormOptions } from './src/database/orm-options.js';

/** For the MikroORM CLI (`npx mikro-orm migration:create` etc.). Needs DATABASE_URL. */
const config = loadConfig();
if (!config.databaseUrl) throw new Error('Set DATABASE_URL to use the MikroORM CLI');
export default ormOptions(config.databaseUrl);
