/** What every fake BlueZ object shares: the D-Bus base class, errors, property access and change signals. */
import dbus from 'dbus-next';

export const { Interface } = dbus.interface;
export const { DBusError } = dbus;
export type DBusInterface = dbus.interface.Interface;

/** org.freedesktop.DBus.Properties.PropertiesChanged for `changed` (no invalidated properties). */
export const emitChanged = (iface: DBusInterface, changed: Record<string, unknown>): void => Interface.emitPropertiesChanged(iface, changed, []);

export const READ = 'read' as const;
export const RW = 'readwrite' as const;
