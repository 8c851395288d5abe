// Node-RED settings for the real-app e2e test (test/e2e/real-apps-node-red.test.ts): the editor
// behind a login (adminAuth, a bcrypt'd password), on the port and user dir the test gives it.
// The test's person signs in as `admin` with the password below; its stuffing script never knows it.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.NODE_RED_PORT),
  userDir: process.env.NODE_RED_USER_DIR,
  flowFile: 'flows.json',
  credentialSecret: false,
  adminAuth: {
    type: 'credentials',
    users: [
      // bcryptjs.hashSync('red-panda-4811', 10)
      { username: 'admin', password: '$2b$10$7LzAzhcC6XUiulTPc.nsVOJ8/uNA4a5zVT/YMynAB1l9hcVkbN7xm', permissions: '*' },
    ],
  },
  // Offline and quiet: no telemetry consent prompt, no welcome tour over the workspace.
  telemetry: { enabled: false },
  diagnostics: { enabled: false, ui: false },
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
}
