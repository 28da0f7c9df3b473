// Medusa 1.20.11 config for the conformance harness.
// Everything comes from the environment (scripts/medusa-v1.sh sets it);
// the defaults below are throw-away test values, never production secrets.
const DATABASE_URL =
  process.env.DATABASE_URL ||
  "postgres://medusa_conformance:medusa_conformance@127.0.0.1:5432/medusa_conformance";

module.exports = {
  projectConfig: {
    database_url: DATABASE_URL,
    database_type: "postgres",
    jwt_secret: process.env.JWT_SECRET || "conformance-jwt-secret",
    cookie_secret: process.env.COOKIE_SECRET || "conformance-cookie-secret",
    admin_cors: process.env.ADMIN_CORS || "http://localhost:7000,http://localhost:7001",
    store_cors: process.env.STORE_CORS || "http://localhost:8000",
    // No redis_url: sessions live in memory, events go through the local bus.
  },
  plugins: [],
  modules: {
    eventBus: { resolve: "@medusajs/event-bus-local" },
    cacheService: { resolve: "@medusajs/cache-inmemory" },
  },
  featureFlags: {},
};
