import { fail, startGatewayProcess } from "./startup.js";

startGatewayProcess(process.env).catch((error: unknown) => fail((error as Error).message ?? String(error)));
