//! The last error, as a readable localized message with its detail.

use leptos::prelude::*;

use crate::state::use_ctx;

#[component]
pub fn ErrorBanner() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        if let Some(problem) = ctx.startup_error.get() {
            let t = ctx.t();
            return Some(
                view! {
                    <div id="error-banner" class="error fatal" role="alert">
                        <strong>{t.startup_failed}</strong>
                        <span class="detail">{problem}</span>
                    </div>
                }
                .into_any(),
            );
        }
        ctx.error.get().map(|err| {
            let t = ctx.t();
            view! {
                <div id="error-banner" class="error" role="alert">
                    <strong>{t.error_kind(err.kind)}</strong>
                    <span class="detail">
                        {err.message.clone()}
                        {err.failure.as_ref().map(|f| view! {
                            <span class="suggestion" data-class=format!("{:?}", f.class).to_lowercase()>
                                {format!("[{}] {}", t.class(f.class), t.suggestion(f))}
                            </span>
                        })}
                    </span>
                    <button class="link" on:click=move |_| ctx.error.set(None)>{t.dismiss}</button>
                </div>
            }
            .into_any()
        })
    }
}
