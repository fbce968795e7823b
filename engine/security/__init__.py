"""Access control: principals, roles and permissions, passwords, tokens, device keys, field
policy and the audit log. Enforcement happens in engine.services, which uses these parts."""

from engine.security.audit import AuditLog, Outcome
from engine.security.permissions import (
    DEVICE_ROLE,
    Permission,
    Role,
    RoleMatrix,
    load_roles,
)
from engine.security.policy import FieldMode, FieldPolicy, PolicyRules, fold_plate, load_rules
from engine.security.principal import Principal, PrincipalKind

__all__ = [
    "DEVICE_ROLE",
    "AuditLog",
    "FieldMode",
    "FieldPolicy",
    "Outcome",
    "Permission",
    "PolicyRules",
    "Principal",
    "PrincipalKind",
    "Role",
    "RoleMatrix",
    "fold_plate",
    "load_roles",
    "load_rules",
]
