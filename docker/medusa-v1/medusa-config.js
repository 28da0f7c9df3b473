// Medusa 1.20.11 config baked into the medusa-conformance/medusa-v1 image.
// Everything comes from the container's environment (see docker/medusa-v1/entrypoint.sh);
// the defaults are throw-away test values, never production secrets.
const redisUrl = process.env.REDIS_URL || undefined;

module.exports = {
  projectConfig: {
    database_url: process.env.DATABASE_URL,
    database_type: "postgres",
    jwt_secret: process.env.JWT_SECRET || "conformance-jwt-secret",
    cookie_secret: process.env.COOKIE_SECRET || "conformance-cookie-secret",
    admin_cors: process.env.ADMIN_CORS || "http://localhost:7000,http://localhost:7001",
    store_cors: process.env.STORE_CORS || "http://localhost:8000",
    // Without redis_url sessions live in memory and events go through the local bus.
    ...(redisUrl ? { redis_url: redisUrl } : {}),
  },
  plugins: [],
  modules: {
    eventBus: { resolve: "@medusajs/event-bus-local" },
    cacheService: { resolve: "@medusajs/cache-inmemory" },
  },
  featureFlags: {},
};
