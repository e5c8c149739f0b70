// ESLint (issue #22): typescript-eslint's recommended rules, React's hooks rules and
// Next's own, over everything TypeScript in the repo. `npm run lint` runs it in `npm test`.
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "dist/**",
      "node_modules/**",
      "test-data/**",
      "test-results/**",
      "playwright-report/**",
      "bench/results/**",
      "drizzle/**",
      "next-env.d.ts",
    ],
  },
  ...tseslint.configs.recommended,
  {
    // React code only: elsewhere a `use…` name is no hook (the tests' useTestEnvironment).
    files: ["app/**", "components/**"],
    ignores: ["**/*.test.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    plugins: { "@next/next": nextPlugin },
    rules: {
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      // `_name` says "deliberately unused" (a destructured field left out, an ignored argument).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  // Layers (issue #22): app → components → lib → db, never back. Tests may reach across (they call route handlers).
  {
    files: ["components/**", "lib/**", "db/**"],
    ignores: ["**/*.test.ts", "**/testing/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/app/*"], message: "lib, db and components do not import the app: pass what they need in." }] },
      ],
    },
  },
  {
    files: ["lib/**", "db/**"],
    ignores: ["**/*.test.ts", "**/testing/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/app/*", "@/components/*"], message: "lib and db do not import the app or its components." }] },
      ],
    },
  },
  {
    files: ["lib/events/**"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/app/*", "@/components/*", "@/lib/dispatch/*"],
              message: "lib/dispatch uses lib/events, not the other way round (wake-ups: db/wake.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // The channel types' definitions run in the browser too (the channel form): no node modules, no database, no server code.
    files: ["lib/channels/*/index.ts", "lib/channels/definition.ts", "lib/channels/definitions.ts", "lib/channels/credential-url.ts", "lib/validation/**"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            "@/db/client",
            "@/db/wake",
            "@/db/copy",
            "@/db/schema",
            "@/db/schema/tables",
            "@/lib/env",
            "@/lib/channels/registry",
            "@/lib/channels/service",
          ].map((name) => ({
            name,
            message: "A channel type's definition is safe for the browser: its sending code is its module.",
          })),
          patterns: [
            {
              group: ["node:*", "**/module", "@/app/*", "@/components/*"],
              message: "A channel type's definition is safe for the browser: its sending code is its module.",
            },
          ],
        },
      ],
    },
  },
);
