// Sign in and register.

import { html } from "./lib.js";
import { guard, register, signIn } from "./data.js";

const values = (form) => Object.fromEntries(new FormData(form).entries());

export function SignIn() {
  const login = guard(async (event) => {
    event.preventDefault();
    const { email, password } = values(event.currentTarget);
    await signIn(email.trim(), password);
  });
  const join = guard(async (event) => {
    event.preventDefault();
    const form = values(event.currentTarget);
    await register({ email: form.email.trim(), password: form.password, display_name: form.display_name.trim() });
  });
  return html`<main id="main" class="auth">
    <div class="auth-brand">
      <h1>Initiative Tracker</h1>
      <p class="muted">Run D&D 5e combat at the table; your players follow on their phones.</p>
    </div>
    <div class="auth-forms">
      <section class="card" aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        <form id="login-form" onSubmit=${login}>
          <label>Email <input name="email" type="email" autocomplete="username" required /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit" class="btn primary">Sign in</button>
        </form>
      </section>
      <section class="card" aria-labelledby="register-title">
        <h2 id="register-title">New here?</h2>
        <form id="register-form" onSubmit=${join}>
          <label>Email <input name="email" type="email" autocomplete="email" required /></label>
          <label>Display name <input name="display_name" autocomplete="nickname" maxlength="100" /></label>
          <label>Password <input name="password" type="password" autocomplete="new-password" minlength="8" required /></label>
          <button type="submit" class="btn">Register</button>
        </form>
      </section>
    </div>
  </main>`;
}
