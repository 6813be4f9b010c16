//! Calls into the Tauri backend (`invoke`) and subscriptions to its events (`listen`),
//! through the `window.__TAURI__` global (`withGlobalTauri`).

use rcmd_types::{IpcError, IpcErrorKind};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(event: &str, handler: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Calls a backend command. Every failure, including a missing Tauri API (page opened
/// outside the app), comes back as an [`IpcError`] the UI can show.
pub async fn invoke<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    match tauri_invoke(cmd, encode(cmd, args).map_err(|e| *e)?).await {
        Ok(v) => serde_wasm_bindgen::from_value(v).map_err(|e| internal(format!("unexpected reply from {cmd}: {e}"))),
        Err(e) => Err(refused(e)),
    }
}

fn encode<A: Serialize>(cmd: &str, args: &A) -> Result<JsValue, Box<IpcError>> {
    args.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Box::new(internal(format!("cannot encode arguments of {cmd}: {e}"))))
}

/// The backend's error ([`IpcError`]), or whatever else was thrown, as one.
fn refused(e: JsValue) -> IpcError {
    serde_wasm_bindgen::from_value::<IpcError>(e.clone()).unwrap_or_else(|_| internal(js_text(&e)))
}

/// Calls a backend command that answers raw JSON bytes (`tauri::ipc::Response`), decoded
/// here in one pass: much faster than through JS objects for big answers (a folder listing).
pub async fn invoke_json<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    match tauri_invoke(cmd, encode(cmd, args).map_err(|e| *e)?).await {
        Ok(v) => {
            let bytes = js_sys::Uint8Array::new(&v).to_vec();
            serde_json::from_slice(&bytes).map_err(|e| internal(format!("unexpected reply from {cmd}: {e}")))
        }
        Err(e) => Err(refused(e)),
    }
}

/// Calls a backend command that answers raw bytes (`tauri::ipc::Response`): an image to show.
pub async fn invoke_bytes<A: Serialize>(cmd: &str, args: &A) -> Result<js_sys::Uint8Array, IpcError> {
    match tauri_invoke(cmd, encode(cmd, args).map_err(|e| *e)?).await {
        Ok(v) => Ok(js_sys::Uint8Array::new(&v)),
        Err(e) => Err(refused(e)),
    }
}

/// Calls `handler` with the payload of every `event`. The subscription lasts as long as the page.
pub async fn listen<T: DeserializeOwned + 'static>(
    event: &str,
    mut handler: impl FnMut(T) + 'static,
) -> Result<(), IpcError> {
    let name = event.to_owned();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
        let payload = js_sys::Reflect::get(&msg, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        match serde_wasm_bindgen::from_value(payload) {
            Ok(v) => handler(v),
            Err(e) => web_sys::console::error_1(&format!("bad payload for {name}: {e}").into()),
        }
    });
    tauri_listen(event, closure.as_ref().unchecked_ref())
        .await
        .map_err(|e| internal(js_text(&e)))?;
    // the page never unsubscribes: keep the closure alive for its lifetime
    closure.forget();
    Ok(())
}

fn internal(message: String) -> IpcError {
    IpcError {
        kind: IpcErrorKind::Internal,
        message,
        failure: None,
    }
}

fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{v:?}"))
}

#[wasm_bindgen]
extern "C" {
    /// `window.__TAURI__.core.Channel`: a stream of messages from one command.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = Channel)]
    type TauriChannel;

    #[wasm_bindgen(constructor, js_namespace = ["window", "__TAURI__", "core"], js_class = "Channel")]
    fn new() -> TauriChannel;

    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &TauriChannel, f: &js_sys::Function);
}

/// Calls `cmd` with a new IPC channel as argument `channel`; `handler` gets every message.
pub async fn invoke_with_channel<T: DeserializeOwned + 'static>(
    cmd: &str,
    mut handler: impl FnMut(T) + 'static,
) -> Result<(), IpcError> {
    let channel = TauriChannel::new();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
        if let Ok(v) = serde_wasm_bindgen::from_value(msg) {
            handler(v);
        }
    });
    channel.set_onmessage(closure.as_ref().unchecked_ref());
    closure.forget();
    let args = js_sys::Object::new();
    js_sys::Reflect::set(&args, &JsValue::from_str("channel"), &channel).map_err(|e| internal(js_text(&e)))?;
    tauri_invoke(cmd, args.into())
        .await
        .map(|_| ())
        .map_err(|e| internal(js_text(&e)))
}

/// Calls `cmd` with `args` plus a new IPC channel as argument `channel` (`handler` gets every
/// message); the reply as a value.
pub async fn invoke_with_channel_args<A: Serialize, R: DeserializeOwned, T: DeserializeOwned + 'static>(
    cmd: &str,
    args: &A,
    channel: &str,
    handler: impl FnMut(T) + 'static,
) -> Result<R, IpcError> {
    let v = invoke_channel_raw(cmd, args, channel, handler).await?;
    serde_wasm_bindgen::from_value(v).map_err(|e| internal(format!("unexpected reply from {cmd}: {e}")))
}

/// Like [`invoke_with_channel_args`] for a command that answers raw JSON bytes.
pub async fn invoke_json_with_channel<A: Serialize, R: DeserializeOwned, T: DeserializeOwned + 'static>(
    cmd: &str,
    args: &A,
    channel: &str,
    handler: impl FnMut(T) + 'static,
) -> Result<R, IpcError> {
    let v = invoke_channel_raw(cmd, args, channel, handler).await?;
    let bytes = js_sys::Uint8Array::new(&v).to_vec();
    serde_json::from_slice(&bytes).map_err(|e| internal(format!("unexpected reply from {cmd}: {e}")))
}

async fn invoke_channel_raw<A: Serialize, T: DeserializeOwned + 'static>(
    cmd: &str,
    args: &A,
    channel: &str,
    mut handler: impl FnMut(T) + 'static,
) -> Result<JsValue, IpcError> {
    let ch = TauriChannel::new();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
        if let Ok(v) = serde_wasm_bindgen::from_value(msg) {
            handler(v);
        }
    });
    ch.set_onmessage(closure.as_ref().unchecked_ref());
    // one closure per call, alive until the page goes (a channel may still deliver after the
    // reply)
    closure.forget();
    let encoded = encode(cmd, args).map_err(|e| *e)?;
    js_sys::Reflect::set(&encoded, &JsValue::from_str(channel), &ch).map_err(|e| internal(js_text(&e)))?;
    tauri_invoke(cmd, encoded).await.map_err(refused)
}
