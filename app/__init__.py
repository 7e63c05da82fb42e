"""The SPIE portal: Carnet de bord, DORA, REVA and the finance of their funding agreement."""

from __future__ import annotations

import os

from flask import Flask

from app import config as config_module
from app.core import logging as structured_logging
from app.extensions import csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config_module.load(app)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    config_module.check(app)
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    structured_logging.mask_secret_routes(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.core import bounds, forms
    from app.core.assets import Assets
    from app.core.models import include_in_migrations, render_migration_item

    structured_logging.init_app(app)  # before db.init_app: SQL parameters stay out of logs
    bounds.init_app(app)  # before the blueprints: it replaces the <int:…> converter
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_object=include_in_migrations,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    Assets(app)
    forms.init_app(app)  # the forms macro's plain-field test

    from app.accounts import auth  # noqa: F401  (user loader, login view)


def register_blueprints(app: Flask) -> None:
    from app.accounts import bp as accounts_bp
    from app.accounts import team_bp
    from app.core import bp as core_bp
    from app.core import spaces
    from app.core.api import bp as api_docs_bp
    from app.tenancy import admin_bp
    from app.tenancy import bp as tenancy_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_docs_bp)
    registered = spaces.load()
    for space in registered:  # national spaces and every API blueprint first
        for blueprint in space.blueprints:
            if not (space.territorial and blueprint is space.blueprint):
                app.register_blueprint(blueprint)
    # Territorial blueprints last: their /<territory>/ prefix must not shadow the others.
    app.register_blueprint(team_bp)
    for space in registered:
        if space.territorial:
            app.register_blueprint(space.blueprint)
    app.register_blueprint(tenancy_bp)


def register_request_hooks(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app.core import transaction
    from app.core.access import check_request_access
    from app.core.context import inject_template_context
    from app.core.security import set_security_headers
    from app.tenancy import unbind_territory

    proxies = app.config["PROXY_COUNT"]
    if proxies:  # X-Forwarded-* are trusted only from that many proxies in front of us
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.before_request(check_request_access)
    # after_request runs in reverse order: the transaction ends before the headers are set.
    app.after_request(set_security_headers)
    transaction.register(app)
    app.teardown_request(unbind_territory)
    app.context_processor(inject_template_context)
    if app.config.get("QUERY_COUNT_HEADER"):
        from app.core.querycount import add_query_count_header

        add_query_count_header(app)


def register_errorhandlers(app: Flask) -> None:
    from app.core.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.core import backup, spaces
    from app.core.cli import mail_cli, seed
    from app.core.jobs import jobs_cli
    from app.tenancy.cli import territory_cli

    app.cli.add_command(seed)
    app.cli.add_command(mail_cli)
    app.cli.add_command(territory_cli)
    backup.register(app)  # flask db backup / flask db restore
    app.cli.add_command(jobs_cli)  # flask jobs run-due (the platform's cron)
    for space in spaces.all_spaces():
        for command in space.commands:
            app.cli.add_command(command)
