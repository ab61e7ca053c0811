"""Link the existing admin-console sign-ins to their VIP admin rows by e-mail; end those whose row is gone."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def link_sign_ins(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    VipAdmin = apps.get_model("customers", "VipAdmin")
    for user in User.objects.filter(role="vip_admin", vip_admin__isnull=True).iterator():
        address = (user.email or user.username or "").strip()
        contact = VipAdmin.objects.filter(
            customer_id=user.customer_id, email__iexact=address, sign_in__isnull=True
        ).first()
        if contact is not None:
            user.vip_admin = contact
            user.save(update_fields=["vip_admin"])
        else:
            # A VIP admin removed before this fix kept their sign-in: it ends now.
            user.is_active = False
            user.password = make_password(None)
            user.save(update_fields=["is_active", "password"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_vip_admin"),
    ]

    operations = [migrations.RunPython(link_sign_ins, migrations.RunPython.noop)]
