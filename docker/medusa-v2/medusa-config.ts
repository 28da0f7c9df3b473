// Medusa 2.21.2 config baked into the medusa-conformance/medusa-v2 image.
// Everything comes from the container's environment (see docker/medusa-v2/entrypoint.sh);
// the defaults are throw-away test values, never production secrets.
import { defineConfig } from "@medusajs/framework/utils"

const adminCors = process.env.ADMIN_CORS || "http://localhost:7000,http://localhost:7001"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    // A local database without TLS (defineConfig asks for TLS outside development).
    databaseDriverOptions: { connection: { ssl: false } },
    // Without redisUrl sessions live in memory and events go through the local bus.
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    http: {
      jwtSecret: process.env.JWT_SECRET || "conformance-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET || "conformance-cookie-secret",
      adminCors,
      authCors: process.env.AUTH_CORS || adminCors,
      storeCors: process.env.STORE_CORS || "http://localhost:8000",
    },
  },
  admin: { disable: true },
})
