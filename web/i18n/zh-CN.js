// The 简体中文 (zh-CN) catalogue: every string of the UI. The keys are the
// same in every language (tests/browser/i18n.test.mjs checks it). {name} is a
// parameter t() fills in. One section a part of the UI.
export default {
  // — shell, common, errors, sign-in (js/main.js, js/ui.js, js/pages/login.js) —
  "shell.nav": "主菜单",
  "shell.skip": "跳到主要内容",
  "shell.language": "语言",
  "shell.login": "登录",
  "shell.logout": "退出登录",
  "nav.generate": "生成",
  "nav.batch": "批量",
  "nav.gallery": "图库",
  "nav.projects": "项目",
  "nav.assistant": "助手",
  "nav.analytics": "分析",
  "nav.monitoring": "监控",
  "nav.account": "账户",
  "common.copy": "复制",
  "common.copied": "已复制",
  "common.copy_failed": "无法复制:请自行选中文字并复制",
  "common.confirm": "确认",
  "common.cancel": "取消",
  "common.loading": "加载中…",
  "common.save": "保存",
  "common.delete": "删除",
  "common.saved": "已保存",
  "error.title": "出错了",
  "error.unknown": "意外错误",
  "error.not_found_title": "未找到",
  "error.not_found": "这里没有这个页面。",
  "error.rate_limited": "请求过多,请稍后再试。",
  "error.unavailable": "服务暂时不可用,请稍后再试。",
  "image.untitled": "未命名图片",
  "login.title": "登录",
  "login.who": "用户名或电子邮件",
  "login.password": "密码",
  "login.submit": "登录",
  "login.to_register": "还没有账户?注册",
  "login.to_forgot": "忘记密码?",
  "register.title": "创建账户",
  "register.username": "用户名",
  "register.username_hint": "3–50 个英文字母、数字或 _",
  "register.email": "电子邮件",
  "register.display_name": "显示名称(可选)",
  "register.password": "密码",
  "register.password_hint": "至少 10 个字符",
  "register.submit": "注册",
  "register.done": "欢迎!账户已创建。",
  "register.to_login": "已有账户?登录",
  "forgot.title": "重置密码",
  "forgot.intro": "输入账户的电子邮件,我们会发送设置新密码的链接。",
  "forgot.submit": "发送链接",
  "forgot.sent": "如果有账户使用此电子邮件,链接已发出。",
  "reset.title": "设置新密码",
  "reset.token": "重置令牌",
  "reset.token_hint": "来自邮件(打开邮件中的链接时会自动填入)",
  "reset.password": "新密码",
  "reset.submit": "设置密码",
  "reset.done": "密码已更改,请使用新密码登录。",

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
