// The 繁體中文 (zh-TW) catalogue: every string of the UI. The keys are the
// same in every language (tests/browser/i18n.test.mjs checks it). {name} is a
// parameter t() fills in. One section a part of the UI.
export default {
  // — shell, common, errors, sign-in (js/main.js, js/ui.js, js/pages/login.js) —
  "shell.nav": "主選單",
  "shell.skip": "跳到主要內容",
  "shell.language": "語言",
  "shell.login": "登入",
  "shell.logout": "登出",
  "nav.generate": "生成",
  "nav.batch": "批次",
  "nav.gallery": "圖庫",
  "nav.projects": "專案",
  "nav.assistant": "助理",
  "nav.analytics": "分析",
  "nav.monitoring": "監控",
  "nav.account": "帳戶",
  "common.copy": "複製",
  "common.copied": "已複製",
  "common.copy_failed": "無法複製:請自行選取文字並複製",
  "common.confirm": "確認",
  "common.cancel": "取消",
  "common.loading": "載入中…",
  "common.save": "儲存",
  "common.delete": "刪除",
  "common.saved": "已儲存",
  "error.title": "發生錯誤",
  "error.unknown": "未預期的錯誤",
  "error.not_found_title": "找不到",
  "error.not_found": "這裡沒有這個頁面。",
  "error.rate_limited": "請求過多,請稍候再試。",
  "error.unavailable": "服務暫時無法使用,請稍後再試。",
  "image.untitled": "未命名圖片",
  "login.title": "登入",
  "login.who": "使用者名稱或電子郵件",
  "login.password": "密碼",
  "login.submit": "登入",
  "login.to_register": "還沒有帳戶?註冊",
  "login.to_forgot": "忘記密碼?",
  "register.title": "建立帳戶",
  "register.username": "使用者名稱",
  "register.username_hint": "3–50 個英文字母、數字或 _",
  "register.email": "電子郵件",
  "register.display_name": "顯示名稱(選填)",
  "register.password": "密碼",
  "register.password_hint": "至少 10 個字元",
  "register.submit": "註冊",
  "register.done": "歡迎!帳戶已建立。",
  "register.to_login": "已經有帳戶?登入",
  "forgot.title": "重設密碼",
  "forgot.intro": "輸入帳戶的電子郵件,我們會寄送設定新密碼的連結。",
  "forgot.submit": "寄送連結",
  "forgot.sent": "若有帳戶使用此電子郵件,連結已寄出。",
  "reset.title": "設定新密碼",
  "reset.token": "重設權杖",
  "reset.token_hint": "來自郵件(開啟郵件中的連結時會自動填入)",
  "reset.password": "新密碼",
  "reset.submit": "設定密碼",
  "reset.done": "密碼已變更,請使用新密碼登入。",

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
