//! Desktop integration that needs no GUI toolkit: start at login, one instance per user and
//! data folder, what the tray shows. The app wires them to its window.

pub mod autostart;
pub mod single_instance;
pub mod tray_model;
pub mod window_place;
