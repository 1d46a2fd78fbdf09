// The English (en) catalogue: every string of the UI. The keys are the
// same in every language (tests/browser/i18n.test.mjs checks it). {name} is a
// parameter t() fills in. One section a part of the UI.
export default {
  // — shell, common, errors, sign-in (js/main.js, js/ui.js, js/pages/login.js) —
  "shell.nav": "Main",
  "shell.skip": "Skip to content",
  "shell.language": "Language",
  "shell.login": "Sign in",
  "shell.logout": "Sign out",
  "nav.generate": "Generate",
  "nav.batch": "Batch",
  "nav.gallery": "Gallery",
  "nav.projects": "Projects",
  "nav.assistant": "Assistant",
  "nav.analytics": "Analytics",
  "nav.monitoring": "Monitoring",
  "nav.account": "Account",
  "common.copy": "Copy",
  "common.copied": "Copied",
  "common.copy_failed": "Could not copy: select the text and copy it yourself",
  "common.confirm": "Confirm",
  "common.cancel": "Cancel",
  "common.loading": "Loading…",
  "common.save": "Save",
  "common.delete": "Delete",
  "common.saved": "Saved",
  "error.title": "Something went wrong",
  "error.unknown": "Unexpected error",
  "error.not_found_title": "Not found",
  "error.not_found": "There is no such page here.",
  "error.rate_limited": "Too many requests; wait a moment and try again.",
  "error.unavailable": "The service is unavailable right now; try again shortly.",
  "image.untitled": "Untitled image",
  "login.title": "Sign in",
  "login.who": "Username or email",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.to_register": "No account yet? Register",
  "login.to_forgot": "Forgot your password?",
  "register.title": "Create an account",
  "register.username": "Username",
  "register.username_hint": "3–50 letters, digits or _",
  "register.email": "Email",
  "register.display_name": "Display name (optional)",
  "register.password": "Password",
  "register.password_hint": "At least 10 characters",
  "register.submit": "Register",
  "register.done": "Welcome! Your account is ready.",
  "register.to_login": "Already registered? Sign in",
  "forgot.title": "Reset your password",
  "forgot.intro": "Enter your account's email: we send a link to set a new password.",
  "forgot.submit": "Send the link",
  "forgot.sent": "If an account has this email, a link is on its way.",
  "reset.title": "Choose a new password",
  "reset.token": "Reset token",
  "reset.token_hint": "From the mail (filled in when you open its link)",
  "reset.password": "New password",
  "reset.submit": "Set the password",
  "reset.done": "Your password is changed; sign in with it.",

  // — generate (js/pages/generate.js, js/pages/assistant.js) —
  // (end of generate)

  // — batch (js/pages/batch.js) —
  // (end of batch)

  // — gallery (js/pages/gallery.js, js/pages/image.js) —
  // (end of gallery)

  // — projects (js/pages/projects.js, js/pages/shared.js, comments and sharing) —
  // (end of projects)

  // — account (js/pages/account.js, js/pages/analytics.js, js/pages/monitoring.js) —
  // (end of account)
};
