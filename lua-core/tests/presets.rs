//! `Preset`: the typed presets, their string forms (what JavaScript
//! passes), and the builder taking either.

use lua_core::{Lua, Preset, Seal, StdLib};

#[test]
fn each_preset_names_its_libraries_and_seal() {
    let expect = [(Preset::All, "all", StdLib::ALL, Seal::Open), (Preset::Safe, "safe", StdLib::SAFE, Seal::NoNativeCode), (Preset::Sandbox, "sandbox", StdLib::SANDBOX, Seal::NoFilesystem)];
    assert_eq!(Preset::EVERY.len(), expect.len());
    for (preset, name, libs, seal) in expect {
        assert_eq!((preset.name(), preset.libraries(), preset.seal()), (name, libs, seal));
        assert_eq!(preset.to_string(), name);
        assert_eq!(name.parse::<Preset>().unwrap(), preset);
        assert_eq!(Preset::from_name(name), Some(preset));
        assert_eq!(StdLib::preset(name), Some((libs, seal)));
        let by_type = Lua::builder().preset(preset);
        let by_name = Lua::builder().preset_named(name).unwrap();
        assert_eq!((by_type.options().libraries, by_type.options().seal), (libs, seal));
        assert_eq!((by_name.options().libraries, by_name.options().seal), (libs, seal));
        assert_eq!(by_type.build().unwrap().libraries(), libs);
    }
}

#[test]
fn an_unknown_name_is_refused_with_the_spec_text() {
    for name in ["", "ALL", "Safe", "sandbox ", "none"] {
        let e = name.parse::<Preset>().unwrap_err();
        assert_eq!((e.code(), e.message().to_string()), ("LUA_API", format!("Unknown preset: '{name}'")));
        let e = Lua::builder().preset_named(name).unwrap_err();
        assert_eq!(e.message(), format!("Unknown preset: '{name}'"));
        assert_eq!(Preset::from_name(name), None);
    }
}

#[test]
fn later_choices_win_over_a_preset() {
    let lua = Lua::builder().preset(Preset::Sandbox).libraries(StdLib::ALL).build().unwrap();
    assert_eq!(lua.libraries(), StdLib::ALL);
    let lua = Lua::builder().libraries(StdLib::ALL).preset(Preset::Safe).build().unwrap();
    assert!(lua.exec::<bool>("return io == nil and os == nil and debug == nil").unwrap());
    let e = lua.exec::<()>("package.loadlib('x', 'y')()").unwrap_err();
    assert_eq!(e.code(), "LUA_RUNTIME");
}
